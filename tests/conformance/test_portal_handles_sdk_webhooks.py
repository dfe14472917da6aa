"""Every webhook Kombo's SDK describes, built with the SDK's own models, signed and
posted to the portal's route: each is answered 200 and has the effect the README
promises. The inventory test fails when the SDK gains a webhook type no test here
sends."""

from __future__ import annotations

import inspect
import json
import typing
from datetime import UTC, datetime

import pytest
from kombo import models
from pydantic import BaseModel
from sqlmodel import Session, select
from starlette.testclient import TestClient

from kombo_portal.api import create_backend_api
from kombo_portal.db.models import (
    FlowFailure,
    Integration,
    IntegrationIssue,
    SyncFailure,
    WebhookEvent,
)
from kombo_portal.db.transaction import transaction
from kombo_portal.kombo.signature import sign_webhook
from kombo_portal.records.accounts import create_organisation
from kombo_portal.records.issues import open_issues

SECRET = "whsec_sdk_conformance"
INTEGRATION = "personio:SDKSDKSDKSDKSDKSDKSDKSDKS"
AT = datetime(2026, 12, 1, 10, tzinfo=UTC)
LATER = datetime(2026, 12, 2, 10, tzinfo=UTC)
# Every webhook type of the SDK and the test below that sends it.
SENT_BY = {
    "integration-created": "test_an_integration_created_records_it_for_the_organisation",
    "integration-state-changed": "test_a_state_change_records_the_state",
    "issue-status-changed": "test_an_issue_is_open_on_the_card_until_kombo_resolves_it",
    "sync-finished": "test_a_sync_counts_only_when_it_succeeded",
    "data-changed": "test_data_changed_is_data_activity",
    "connection-flow-failed": "test_a_failed_flow_is_recorded_for_the_card",
    "integration-deleted": "test_a_deletion_marks_the_integration_removed",
    "assessment:order-received": "test_assessment_orders_are_stored_and_acknowledged",
    "inline-assessment:order-received": "test_assessment_orders_are_stored_and_acknowledged",
}


@pytest.fixture
def acme(engine) -> str:
    with transaction(engine) as session:
        return create_organisation(session, "Acme Inc.").id


@pytest.fixture
def route(engine):
    return TestClient(create_backend_api(lambda: engine, get_webhook_secrets=lambda: (SECRET,)))


def send(route: TestClient, payload: BaseModel) -> str:
    """The payload as Kombo sends it (the SDK's JSON), signed; the portal's outcome."""
    document = payload.model_dump(mode="json", by_alias=True)
    assert document["type"] in SENT_BY, "a type the inventory below does not list"
    body = json.dumps(document).encode()
    response = route.post(
        "/webhooks/kombo", content=body, headers={"X-Kombo-Signature": sign_webhook(SECRET, body)}
    )
    assert response.status_code == 200, response.text
    return response.json()["outcome"]


def end_user(origin_id: str | None) -> dict:
    return {"organization_name": "Acme", "creator_email": "ada@acme.test", "origin_id": origin_id}


def created(event_id: str, origin_id: str) -> models.IntegrationCreatedWebhookPayload:
    return models.IntegrationCreatedWebhookPayload.model_validate(
        {
            "id": event_id,
            "type": "integration-created",
            "data": {
                "id": INTEGRATION,
                "tool": "personio",
                "category": "HRIS",
                "end_user": end_user(origin_id),
            },
        }
    )


def issue(
    event_id: str, change: str, origin_id: str | None, *, integration: bool = True
) -> models.IssueStatusChangedWebhookPayload:
    resolved = change == "resolved"
    return models.IssueStatusChangedWebhookPayload.model_validate(
        {
            "id": event_id,
            "type": "issue-status-changed",
            "data": {
                "change": change,
                "issue": {
                    "id": "iss_sdk",
                    "type": "integration.authentication_failed",
                    "title": "Personio rejects the API token",
                    "status": "RESOLVED" if resolved else "OPEN",
                    "markdown_message": "Create a **new token** in Personio.",
                    "first_observed_at": AT,
                    "resolved_at": LATER if resolved else None,
                },
                "integration": {
                    "id": INTEGRATION,
                    "tool": "personio",
                    "category": "HRIS",
                    "end_user": end_user(origin_id),
                }
                if integration
                else None,
            },
        }
    )


def sync_finished(event_id: str, state: str, origin_id: str) -> models.SyncFinishedWebhookPayload:
    return models.SyncFinishedWebhookPayload.model_validate(
        {
            "id": event_id,
            "type": "sync-finished",
            "data": {
                "sync_id": f"sync_{event_id}",
                "sync_state": state,
                "sync_started_at": AT,
                "sync_ended_at": LATER,
                "sync_duration_seconds": 86400,
                "integration_id": INTEGRATION,
                "integration_tool": "personio",
                "integration_category": "HRIS",
                "end_user": end_user(origin_id),
                "log_url": f"https://app.kombo.dev/logs/{event_id}",
            },
        }
    )


def record(engine) -> Integration:
    with Session(engine) as session:
        return session.exec(
            select(Integration).where(Integration.kombo_integration_id == INTEGRATION)
        ).one()


def rows(engine, model: type) -> list:
    with Session(engine) as session:
        return list(session.exec(select(model)))


def test_an_integration_created_records_it_for_the_organisation(route, engine, acme):
    assert send(route, created("evt_created", acme)) == "applied"

    stored = record(engine)
    assert (stored.organisation_id, stored.category, stored.tool_id, stored.state) == (
        acme,
        "HRIS",
        "personio",
        "ACTIVE",
    )


def test_a_state_change_records_the_state(route, engine, acme):
    send(route, created("evt_created", acme))
    change = models.IntegrationStateChangedWebhookPayload.model_validate(
        {
            "id": "evt_state",
            "type": "integration-state-changed",
            "data": {
                "integration_tool": "personio",
                "integration_id": INTEGRATION,
                "integration_category": "HRIS",
                "end_user": end_user(acme),
                "qa_status": "PASSED",
                "setup_status": "COMPLETED",
                "state": "INVALID",
                "updated_at": AT,
            },
        }
    )

    assert send(route, change) == "applied"
    assert (record(engine).state, record(engine).qa_status) == ("INVALID", "PASSED")


def test_an_issue_is_open_on_the_card_until_kombo_resolves_it(route, engine, acme):
    send(route, created("evt_created", acme))

    assert send(route, issue("evt_raised", "raised", acme)) == "applied"
    integration_id = record(engine).id
    with Session(engine) as session:
        [shown] = open_issues(session, acme)[integration_id]
    assert (shown.id, shown.title, shown.markdown_message) == (
        "iss_sdk",
        "Personio rejects the API token",
        "Create a **new token** in Personio.",
    )

    assert send(route, issue("evt_resolved", "resolved", acme)) == "applied"
    with Session(engine) as session:
        assert open_issues(session, acme) == {}
    [stored] = rows(engine, IntegrationIssue)
    assert (stored.status, stored.resolved_at is not None) == ("RESOLVED", True)


def test_an_issue_of_the_whole_environment_is_stored_and_changes_nothing(route, engine, acme):
    send(route, created("evt_created", acme))

    assert send(route, issue("evt_env", "raised", None, integration=False)) == "stored"
    assert rows(engine, IntegrationIssue) == []


def test_a_sync_counts_only_when_it_succeeded(route, engine, acme):
    send(route, created("evt_created", acme))

    assert send(route, sync_finished("evt_failed", "FAILED", acme)) == "applied"
    assert record(engine).last_data_activity_at is None
    [failure] = rows(engine, SyncFailure)
    assert (failure.sync_state, failure.log_url) == (
        "FAILED",
        "https://app.kombo.dev/logs/evt_failed",
    )

    assert send(route, sync_finished("evt_ok", "SUCCEEDED", acme)) == "applied"
    assert record(engine).last_data_activity_at is not None
    assert len(rows(engine, SyncFailure)) == 1


def test_data_changed_is_data_activity(route, engine, acme):
    send(route, created("evt_created", acme))
    changed = models.DataChangedWebhookPayload.model_validate(
        {
            "id": "evt_data",
            "type": "data-changed",
            "data": {
                "integration_id": INTEGRATION,
                "integration_tool": "personio",
                "integration_category": "HRIS",
                "changed_models": [{"name": "hris_employees"}],
            },
        }
    )

    assert send(route, changed) == "applied"
    assert record(engine).last_data_activity_at is not None


def test_a_failed_flow_is_recorded_for_the_card(route, engine, acme):
    failed = models.ConnectionFlowFailedWebhookPayload.model_validate(
        {
            "id": "evt_flow",
            "type": "connection-flow-failed",
            "data": {
                "integration_tool": "personio",
                "integration_category": "HRIS",
                "end_user": end_user(acme),
                "log_url": "https://app.kombo.dev/logs/flow",
            },
        }
    )

    assert send(route, failed) == "applied"
    [failure] = rows(engine, FlowFailure)
    assert (failure.organisation_id, failure.tool_id, failure.log_url) == (
        acme,
        "personio",
        "https://app.kombo.dev/logs/flow",
    )


def test_a_deletion_marks_the_integration_removed(route, engine, acme):
    send(route, created("evt_created", acme))
    deleted = models.IntegrationDeletedWebhookPayload.model_validate(
        {
            "id": "evt_deleted",
            "type": "integration-deleted",
            "data": {
                "id": INTEGRATION,
                "tool": "personio",
                "category": "HRIS",
                "end_user": end_user(acme),
                "deleted_at": LATER,
            },
        }
    )

    assert send(route, deleted) == "applied"
    assert record(engine).removed_at is not None


@pytest.mark.parametrize(
    "model",
    [
        models.AssessmentOrderReceivedWebhookPayload,
        models.InlineAssessmentOrderReceivedWebhookPayload,
    ],
    ids=["assessment", "inline assessment"],
)
def test_assessment_orders_are_stored_and_acknowledged(route, engine, acme, model):
    event_type = typing.get_args(model.model_fields["type"].annotation)[0]
    order = model.model_validate(
        {
            "id": "evt_order",
            "type": event_type,
            "data": {
                "id": "order_1",
                "package_id": "package_1",
                "status": "OPEN",
                "integration_id": INTEGRATION,
                "candidate": {
                    "remote_id": None,
                    "email": "candidate@example.test",
                    "first_name": None,
                    "last_name": None,
                    "phone": None,
                },
                "application": {"remote_id": None},
                "job": {
                    "remote_id": None,
                    "name": None,
                    "job_code": None,
                    "description": None,
                    "location": None,
                    "hiring_team": [],
                },
            },
        }
    )

    assert send(route, order) == "stored"
    assert [event.type for event in rows(engine, WebhookEvent)] == [event_type]


def sdk_webhook_types() -> set[str]:
    """The `type` of every webhook payload model the SDK has."""
    found = set()
    for name, model in inspect.getmembers(models, inspect.isclass):
        if name.endswith("WebhookPayload") and issubclass(model, BaseModel):
            found.update(typing.get_args(model.model_fields["type"].annotation))
    return found


def test_every_webhook_type_of_the_sdk_is_sent_by_a_test_here():
    assert len(sdk_webhook_types()) >= 9
    assert sdk_webhook_types() == set(SENT_BY)
    assert all(name in globals() for name in SENT_BY.values())
