"""Kombo's issues and its syncs that did not succeed, in the activity log: said as
Kombo's news, in the reader's language, with Kombo's log for failed syncs."""

import pytest
from sqlmodel import Session

from kombo_portal.records.activity import KOMBO, activity_page
from kombo_portal.state.rows import activity_rows
from tests.records.issue_events import (
    LATER,
    TITLE,
    Tenants,
    deliver,
    issue_data,
    sync_data,
    tenants,
)

ISSUE = "issue-status-changed"


@pytest.fixture
def orgs(engine) -> Tenants:
    return tenants(engine)


def log(engine, organisation_id: str, page: int = 0, page_size: int = 20):
    with Session(engine) as session:
        return activity_page(session, organisation_id, page, page_size)


def said(engine, organisation_id: str, language: str = "en") -> list[tuple[str, str]]:
    entries, _ = log(engine, organisation_id)
    return [(entry.who_in(language), entry.what_in(language)) for entry in entries]


def test_raised_and_resolved_issues_are_kombos_news_newest_first(engine, orgs):
    deliver(engine, "evt_1", ISSUE, issue_data("raised"))
    deliver(engine, "evt_2", ISSUE, issue_data("resolved"))

    assert said(engine, orgs.acme) == [
        (KOMBO, f"Kombo resolved the issue with Personio: {TITLE}"),
        (KOMBO, f"Kombo reported an issue with Personio: {TITLE}"),
    ]
    assert said(engine, orgs.acme, "de") == [
        (KOMBO, f"Kombo hat das Problem mit Personio als gelöst gemeldet: {TITLE}"),
        (KOMBO, f"Kombo hat ein Problem mit Personio gemeldet: {TITLE}"),
    ]


def test_issue_events_that_changed_nothing_are_not_in_any_log(engine, orgs):
    deliver(engine, "evt_2", ISSUE, issue_data("resolved"))
    deliver(engine, "evt_1", ISSUE, issue_data("raised"))  # late: changed nothing
    deliver(engine, "evt_3", ISSUE, issue_data(integration=None))
    deliver(engine, "evt_4", ISSUE, issue_data(issue_id="iss_2", origin=orgs.globex))
    deliver(engine, "evt_5", ISSUE, issue_data(issue_id="iss_3", title=""))

    assert said(engine, orgs.acme) == [(KOMBO, f"Kombo resolved the issue with Personio: {TITLE}")]
    assert log(engine, orgs.globex) == ([], False)


def test_a_sync_that_did_not_succeed_is_in_the_log_with_its_state_and_kombos_log(engine, orgs):
    deliver(engine, "evt_1", "sync-finished", sync_data("SUCCEEDED"))
    deliver(engine, "evt_2", "sync-finished", sync_data("PARTIALLY_FAILED"))

    entries, _ = log(engine, orgs.acme)

    assert [(entry.who, entry.what, entry.log_url) for entry in entries] == [
        (
            KOMBO,
            "A sync of Personio did not succeed: PARTIALLY_FAILED",
            "https://app.kombo.dev/logs/sync_1",
        )
    ]
    assert entries[0].what_in("fr") == (
        "Une synchronisation de Personio n'a pas abouti : PARTIALLY_FAILED"
    )
    # Kombo's log is for admins; members see the line without it.
    [admin_row] = activity_rows(entries, "en", is_admin=True)
    [member_row] = activity_rows(entries, "en", is_admin=False)
    assert (admin_row["log_url"], member_row["log_url"]) == (
        "https://app.kombo.dev/logs/sync_1",
        "",
    )
    assert member_row["what"] == admin_row["what"]


def test_failed_syncs_are_paged_with_the_rest_of_the_log(engine, orgs):
    deliver(engine, "evt_issue", ISSUE, issue_data("raised", first_observed_at=LATER))
    for number in range(5):
        deliver(engine, f"evt_ok_{number}", "sync-finished", sync_data("SUCCEEDED"))
        deliver(engine, f"evt_failed_{number}", "sync-finished", sync_data("FAILED"))

    first, more = log(engine, orgs.acme, page=0, page_size=4)
    second, more_after_second = log(engine, orgs.acme, page=1, page_size=4)

    assert [entry.what for entry in first] == ["A sync of Personio did not succeed: FAILED"] * 4
    assert more
    assert [entry.what for entry in second] == [
        "A sync of Personio did not succeed: FAILED",
        f"Kombo reported an issue with Personio: {TITLE}",
    ]
    assert not more_after_second
