"""`issue-status-changed` and `sync-finished` through the signed webhook route: what is
answered, what is stored, what the log says, and what reaches the page."""

import json
import logging
import threading

import pytest
from sqlmodel import Session
from starlette.testclient import TestClient

from kombo_portal.api import create_backend_api
from kombo_portal.kombo.signature import sign_webhook
from kombo_portal.records.issues import open_issues
from tests.records.issue_events import (
    MESSAGE,
    TITLE,
    Tenants,
    envelope,
    integration_record,
    issue_data,
    issues,
    stored_event,
    sync_data,
    sync_failures,
    tenants,
    version,
)

SECRET = "whsec_issues"
ISSUE = "issue-status-changed"


@pytest.fixture
def orgs(engine) -> Tenants:
    return tenants(engine)


@pytest.fixture
def client(engine):
    return TestClient(create_backend_api(lambda: engine, get_webhook_secrets=lambda: (SECRET,)))


def post(client, body: bytes, signature: str | None = None):
    return client.post(
        "/webhooks/kombo",
        content=body,
        headers={"X-Kombo-Signature": signature or sign_webhook(SECRET, body)},
    )


def open_ids(engine, organisation_id: str) -> list[str]:
    with Session(engine) as session:
        return [
            issue.id for found in open_issues(session, organisation_id).values() for issue in found
        ]


def test_a_signed_raise_is_stored_open_and_the_page_reloads(client, engine, orgs):
    before = version(engine, orgs.acme)

    response = post(client, envelope("evt_1", ISSUE, issue_data("raised")))

    assert (response.status_code, response.json()) == (200, {"status": "ok", "outcome": "applied"})
    assert open_ids(engine, orgs.acme) == ["iss_1"]
    assert (issues(engine)[0].title, issues(engine)[0].markdown_message) == (TITLE, MESSAGE)
    assert version(engine, orgs.acme) == before + 1


def test_raise_then_resolve_leaves_no_open_issue(client, engine, orgs):
    post(client, envelope("evt_1", ISSUE, issue_data("raised")))

    response = post(client, envelope("evt_2", ISSUE, issue_data("resolved")))

    assert response.json()["outcome"] == "applied"
    assert open_ids(engine, orgs.acme) == []
    assert [issue.status for issue in issues(engine)] == ["RESOLVED"]


def test_a_repeated_delivery_is_acknowledged_and_applied_once(client, engine, orgs):
    first = post(client, envelope("evt_1", ISSUE, issue_data("raised")))
    before = version(engine, orgs.acme)

    again = post(client, envelope("evt_1", ISSUE, issue_data("raised")))

    assert (first.json()["outcome"], again.json()["outcome"]) == ("applied", "duplicate")
    assert again.status_code == 200
    assert len(issues(engine)) == 1
    assert version(engine, orgs.acme) == before


def test_an_unsigned_issue_is_refused_and_stores_nothing(client, engine, orgs):
    body = envelope("evt_1", ISSUE, issue_data("raised"))

    response = post(client, body, signature=sign_webhook("whsec_wrong", body))

    assert response.status_code == 401
    assert issues(engine) == []


def test_an_issue_event_whose_data_is_not_an_object_gets_400(client, engine, orgs):
    response = post(client, envelope("evt_1", ISSUE, [issue_data("raised")]))

    assert response.status_code == 400
    assert issues(engine) == []


@pytest.mark.parametrize(
    ("change", "fields", "flag"),
    [
        ("closed", {}, "no usable change (raised or resolved)"),
        ("raised", {"status": "SNOOZED"}, "no usable issue.status (OPEN or RESOLVED)"),
        ("raised", {"title": None}, "no usable issue.title"),
        ("raised", {"title": "T" * 5000}, "no usable issue.title"),
        ("raised", {"first_observed_at": "last week"}, "no usable issue.first_observed_at"),
        ("resolved", {"status": "OPEN"}, "issue.status contradicts change"),
    ],
    ids=["unknown change", "unknown status", "no title", "huge title", "bad time", "contradiction"],
)
def test_bad_issue_fields_are_answered_200_flagged_with_a_clear_log_line(
    client, engine, orgs, caplog, change, fields, flag
):
    data = issue_data(change)
    data["change"] = change
    data["issue"].update(fields)
    before = version(engine, orgs.acme)
    caplog.set_level(logging.INFO, logger="kombo_portal.api.webhooks")

    response = post(client, envelope("evt_bad", ISSUE, data))

    assert (response.status_code, response.json()["outcome"]) == (200, "flagged")
    assert stored_event(engine, "evt_bad").flag == flag
    assert issues(engine) == [] and version(engine, orgs.acme) == before
    assert f"Webhook evt_bad ({ISSUE}): flagged ({flag})" in caplog.text
    assert "Personio rejects" not in caplog.text, "the body stays out of the logs"


def test_an_issue_of_the_whole_environment_is_stored_and_its_reason_logged(
    client, engine, orgs, caplog
):
    caplog.set_level(logging.INFO, logger="kombo_portal.api.webhooks")

    response = post(client, envelope("evt_env", ISSUE, issue_data(integration=None)))

    assert (response.status_code, response.json()["outcome"]) == (200, "stored")
    assert issues(engine) == []
    assert "shown to no organisation" in caplog.text


def test_an_issue_naming_another_organisation_reaches_neither(client, engine, orgs):
    before = (version(engine, orgs.acme), version(engine, orgs.globex))

    response = post(client, envelope("evt_1", ISSUE, issue_data(origin=orgs.globex)))

    assert response.json()["outcome"] == "flagged"
    assert open_ids(engine, orgs.acme) == [] and open_ids(engine, orgs.globex) == []
    assert (version(engine, orgs.acme), version(engine, orgs.globex)) == before


@pytest.mark.parametrize("rounds", [range(6)], ids=["6 rounds"])
def test_a_raise_and_its_resolution_racing_always_end_resolved(engine, orgs, rounds):
    client = TestClient(create_backend_api(lambda: engine, get_webhook_secrets=lambda: (SECRET,)))
    for number in rounds:
        issue_id = f"iss_race_{number}"
        barrier = threading.Barrier(2)
        answers: list[int] = []

        def deliver(body: bytes, barrier=barrier, answers=answers) -> None:
            barrier.wait()
            answers.append(post(client, body).status_code)

        bodies = [
            envelope(f"raise_{number}", ISSUE, issue_data("raised", issue_id=issue_id)),
            envelope(f"resolve_{number}", ISSUE, issue_data("resolved", issue_id=issue_id)),
        ]
        threads = [threading.Thread(target=deliver, args=(body,)) for body in bodies]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert answers == [200, 200]
        assert issue_id not in open_ids(engine, orgs.acme), f"round {number}: reopened"


def test_a_failed_sync_is_kept_for_the_log_and_a_successful_one_counts(client, engine, orgs):
    failed = post(client, envelope("evt_1", "sync-finished", sync_data("FAILED")))
    assert integration_record(engine).last_data_activity_at is None

    succeeded = post(client, envelope("evt_2", "sync-finished", sync_data("SUCCEEDED")))

    assert [failed.json()["outcome"], succeeded.json()["outcome"]] == ["applied", "applied"]
    assert [failure.sync_state for failure in sync_failures(engine)] == ["FAILED"]
    assert integration_record(engine).last_data_activity_at is not None


def test_a_sync_state_of_the_wrong_type_is_flagged_not_counted(client, engine, orgs):
    body = json.dumps(
        {"id": "evt_1", "type": "sync-finished", "data": sync_data({"state": "SUCCEEDED"})}
    ).encode()

    response = post(client, body)

    assert (response.status_code, response.json()["outcome"]) == (200, "flagged")
    assert integration_record(engine).last_data_activity_at is None
