import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlmodel import select

from kombo_portal.db.models import Organisation, Role, SignInAttempt, User, utc_now
from kombo_portal.db.transaction import transaction
from kombo_portal.records import accounts
from kombo_portal.records.accounts import (
    SIGN_IN_FAILURES_ALLOWED,
    SIGN_IN_REFUSED,
    AccountError,
    SignInRefused,
    authenticate,
    create_organisation,
    create_user,
)
from tests.support.concurrency import twice_at_once
from tests.use_cases.conftest import PASSWORD


def test_passwords_are_stored_as_argon2id_hashes(engine, people):
    with transaction(engine) as session:
        user = session.exec(select(User).where(User.email == "admin@acme.test")).one()

    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_sign_in_ignores_the_case_of_the_email(engine, people):
    with transaction(engine) as session:
        assert authenticate(session, " Admin@ACME.test ", PASSWORD).email == "admin@acme.test"


@pytest.mark.parametrize(
    ("email", "password"),
    [("admin@acme.test", "wrong password!"), ("nobody@acme.test", PASSWORD)],
    ids=["wrong password", "unknown email"],
)
def test_a_refused_sign_in_never_tells_whether_the_email_exists(engine, people, email, password):
    with transaction(engine) as session, pytest.raises(SignInRefused) as refused:
        authenticate(session, email, password)

    assert refused.value.key == SIGN_IN_REFUSED


def test_repeated_failures_for_one_email_are_slowed_down(engine, people):
    now = utc_now()
    for _ in range(SIGN_IN_FAILURES_ALLOWED):
        with transaction(engine) as session, pytest.raises(SignInRefused):
            authenticate(session, "admin@acme.test", "guess guess guess", now=now)

    with transaction(engine) as session, pytest.raises(SignInRefused) as throttled:
        authenticate(session, "admin@acme.test", PASSWORD, now=now)
    assert "Too many attempts" in throttled.value.message
    assert 1 <= throttled.value.retry_after_seconds <= 61

    with transaction(engine) as session:
        later = now + timedelta(minutes=1, seconds=1)
        assert authenticate(session, "admin@acme.test", PASSWORD, now=later).email == (
            "admin@acme.test"
        )


def test_throttling_an_unknown_email_looks_the_same(engine, people):
    now = utc_now()
    for _ in range(SIGN_IN_FAILURES_ALLOWED):
        with transaction(engine) as session, pytest.raises(SignInRefused):
            authenticate(session, "ghost@acme.test", "guess guess guess", now=now)

    with transaction(engine) as session, pytest.raises(SignInRefused) as throttled:
        authenticate(session, "ghost@acme.test", "guess guess guess", now=now)
    assert "Too many attempts" in throttled.value.message


def test_other_emails_are_not_slowed_down_by_someone_elses_failures(engine, people):
    now = utc_now()
    for _ in range(SIGN_IN_FAILURES_ALLOWED + 1):
        with transaction(engine) as session, pytest.raises(SignInRefused):
            authenticate(session, "admin@acme.test", "guess guess guess", now=now)

    with transaction(engine) as session:
        assert authenticate(session, "member@acme.test", PASSWORD, now=now)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"organisation_name": "Nowhere"}, "no organisation named 'Nowhere'"),
        ({"email": "admin@acme.test"}, "exists already"),
        ({"email": "ADMIN@acme.test"}, "exists already"),
        ({"email": "not-an-email"}, "is not an email address"),
        ({"password": "short"}, "at least 12 characters"),
        ({"password": "aaaaaaaaaaaaaaaa"}, "too simple"),
        ({"language": "nl"}, "the language must be one of"),
    ],
)
def test_invalid_users_are_refused_with_a_clear_error_and_nothing_stored(
    engine, people, fields, message
):
    values = {
        "email": "new@acme.test",
        "organisation_name": "Acme Inc.",
        "password": PASSWORD,
        "role": Role.MEMBER,
        **fields,
    }
    with pytest.raises(AccountError) as refused, transaction(engine) as session:
        create_user(session, **values)

    assert message in str(refused.value)
    with transaction(engine) as session:
        assert len(session.exec(select(User)).all()) == 3


@pytest.mark.parametrize(
    ("name", "message"), [("  ", "empty"), ("acme inc.", "exists already"), ("x" * 201, "200")]
)
def test_invalid_organisations_are_refused(engine, people, name, message):
    with pytest.raises(AccountError) as refused, transaction(engine) as session:
        create_organisation(session, name)

    assert message in str(refused.value)


def test_parallel_guesses_get_no_more_password_checks_than_the_allowance(
    engine, people, monkeypatch
):
    # Under PostgreSQL's READ COMMITTED, guesses counting at the same moment would
    # all see fewer than the allowance and all be checked; the count and the record
    # of a failure must be one step per email.
    checked = []
    real_check = accounts._password_matches

    def counting_check(password_hash, password):
        checked.append(password)
        return real_check(password_hash, password)

    monkeypatch.setattr(accounts, "_password_matches", counting_check)
    guesses = 20
    start = threading.Barrier(guesses)

    def guess(number: int) -> SignInRefused | None:
        start.wait()
        with transaction(engine) as session:
            try:
                authenticate(session, "admin@acme.test", f"wrong guess number {number}")
            except SignInRefused as refused:
                session.commit()  # as the page's sign-in does: the failure counts
                return refused
        return None

    with ThreadPoolExecutor(max_workers=guesses) as pool:
        results = list(pool.map(guess, range(guesses)))

    assert all(isinstance(result, SignInRefused) for result in results)
    by_password = [result for result in results if result.retry_after_seconds is None]
    throttled = [result for result in results if result.retry_after_seconds is not None]
    assert len(checked) == len(by_password) == SIGN_IN_FAILURES_ALLOWED
    assert len(throttled) == guesses - SIGN_IN_FAILURES_ALLOWED
    assert {result.key for result in by_password} == {SIGN_IN_REFUSED}
    with transaction(engine) as session:
        assert len(session.exec(select(SignInAttempt)).all()) == SIGN_IN_FAILURES_ALLOWED


def test_two_organisations_named_alike_at_once_make_one(engine):
    """ "Acme Two" and "ACME TWO" added at the same moment: the second waits for the
    first and is refused (the database's unique constraint sees case)."""

    def add(name: str):
        return lambda session: create_organisation(session, name)

    first, second = twice_at_once(engine, add("Acme Two"), add("ACME TWO"))

    assert first.name == "Acme Two"
    assert isinstance(second, AccountError)
    assert "exists already" in str(second)
    with transaction(engine) as session:
        assert [o.name for o in session.exec(select(Organisation))] == ["Acme Two"]
