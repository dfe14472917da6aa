"""Closing a connect attempt: one conditional update, so two closes that meet (the
flow's success and a reload, two tabs, a webhook) end it once, with the first's news."""

from sqlmodel import Session

from kombo_portal.db.models import ConnectAttempt, utc_now
from kombo_portal.db.transaction import transaction
from kombo_portal.records.attempts import close_open_attempt
from tests.support.concurrency import twice_at_once


def open_attempt(engine, admin) -> str:
    with transaction(engine) as session:
        attempt = ConnectAttempt(
            organisation_id=admin.organisation_id,
            user_id=admin.user_id,
            category="HRIS",
            action="connect",
            outcome="started",
            started_at=utc_now(),
        )
        session.add(attempt)
    return attempt.id


def attempt(engine, attempt_id: str) -> ConnectAttempt:
    with Session(engine) as session:
        found = session.get(ConnectAttempt, attempt_id)
        assert found is not None
        return found


def test_two_closes_at_once_end_the_attempt_once_with_the_first(engine, admin):
    attempt_id = open_attempt(engine, admin)

    outcomes = twice_at_once(
        engine,
        lambda session: close_open_attempt(session, attempt_id, "connected", "the flow's success"),
        lambda session: close_open_attempt(session, attempt_id, "cancelled", "page reloaded"),
    )

    assert outcomes == [True, False]
    closed = attempt(engine, attempt_id)
    assert (closed.outcome, closed.detail) == ("connected", "the flow's success")
    assert closed.finished_at is not None


def test_only_the_user_who_opened_it_closes_it(engine, admin):
    attempt_id = open_attempt(engine, admin)

    with transaction(engine) as session:
        assert not close_open_attempt(session, attempt_id, "cancelled", "x", user_id="someone")
    assert attempt(engine, attempt_id).outcome == "started"

    with transaction(engine) as session:
        closed = close_open_attempt(
            session, attempt_id, "failed", "y" * 5000, user_id=admin.user_id, log_url="https://l"
        )
    assert closed
    ended = attempt(engine, attempt_id)
    assert (ended.outcome, ended.log_url) == ("failed", "https://l")
    assert ended.detail is not None and 0 < len(ended.detail) < 5000  # cut to the column


def test_closing_an_unknown_or_closed_attempt_changes_nothing(engine, admin):
    attempt_id = open_attempt(engine, admin)
    with transaction(engine) as session:
        assert close_open_attempt(session, attempt_id, "done", "first")
        assert not close_open_attempt(session, "no-such-attempt", "done", "x")
    with transaction(engine) as session:
        assert not close_open_attempt(session, attempt_id, "cancelled", "again")

    assert (attempt(engine, attempt_id).outcome, attempt(engine, attempt_id).detail) == (
        "done",
        "first",
    )
