"""Kombo's `issue-status-changed` and `sync-finished` events as the tests send them,
and the setup they need: an organisation with a known integration."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlmodel import Session, select

from kombo_portal.db.models import (
    Integration,
    IntegrationIssue,
    Organisation,
    SyncFailure,
    WebhookEvent,
)
from kombo_portal.db.transaction import transaction
from kombo_portal.records.accounts import create_organisation
from kombo_portal.records.integrations import IntegrationFacts, record_integration
from kombo_portal.records.webhook_events import (
    AlreadyStored,
    IngestResult,
    Outcome,
    ingest,
    parse_event,
)

INTEGRATION = "personio:AAAA"
FIRST_SEEN = "2026-12-01T10:00:00.000Z"
LATER = "2026-12-03T10:00:00.000Z"
TITLE = "Personio rejects the API token"
MESSAGE = "The token **expired**.\n\nCreate a new one in Personio and <b>reconnect</b>."


@dataclass(frozen=True)
class Tenants:
    acme: str
    globex: str
    integration: str  # Acme's integration's record id


def tenants(engine) -> Tenants:
    """Acme with a Personio integration (INTEGRATION), and Globex with none."""
    with transaction(engine) as session:
        acme = create_organisation(session, "Acme Inc.").id
        globex = create_organisation(session, "Globex").id
        record = record_integration(
            session,
            IntegrationFacts(
                kombo_integration_id=INTEGRATION,
                organisation_id=acme,
                category="HRIS",
                tool_id="personio",
                tool_label="Personio",
            ),
        )
        return Tenants(acme=acme, globex=globex, integration=record.id)


def issue_data(
    change: str = "raised",
    *,
    issue_id: str = "iss_1",
    integration: str | None = INTEGRATION,
    origin: str | None = None,
    first_observed_at: str = FIRST_SEEN,
    resolved_at: str | None = None,
    **issue_fields: object,
) -> dict:
    """The data of an `issue-status-changed` event, as Kombo's SDK describes it."""
    resolved = change == "resolved"
    issue = {
        "id": issue_id,
        "type": "integration.authentication_failed",
        "title": TITLE,
        "status": "RESOLVED" if resolved else "OPEN",
        "markdown_message": MESSAGE,
        "first_observed_at": first_observed_at,
        "resolved_at": (resolved_at or "2026-12-02T09:00:00.000Z") if resolved else None,
        **issue_fields,
    }
    about = None
    if integration is not None:
        about = {
            "id": integration,
            "tool": "personio",
            "category": "HRIS",
            "end_user": {"organization_name": "Acme", "creator_email": None, "origin_id": origin},
        }
    return {"change": change, "issue": issue, "integration": about}


def sync_data(
    state: object = "SUCCEEDED",
    *,
    integration: str = INTEGRATION,
    origin: str | None = None,
    log_url: object = "https://app.kombo.dev/logs/sync_1",
) -> dict:
    """The data of a `sync-finished` event."""
    return {
        "sync_id": "sync_1",
        "sync_state": state,
        "sync_started_at": "2026-12-01T10:00:00.000Z",
        "sync_ended_at": "2026-12-01T10:05:00.000Z",
        "sync_duration_seconds": 300,
        "integration_id": integration,
        "integration_tool": "personio",
        "integration_category": "HRIS",
        "end_user": {"organization_name": "Acme", "creator_email": None, "origin_id": origin},
        "log_url": log_url,
    }


def envelope(event_id: str, event_type: str, data: object) -> bytes:
    return json.dumps({"id": event_id, "type": event_type, "data": data}).encode()


def deliver(engine, event_id: str, event_type: str, data: dict) -> IngestResult:
    """What the webhook route does with a verified body: apply and store it once."""
    event = parse_event(envelope(event_id, event_type, data))
    try:
        with transaction(engine) as session:
            return ingest(session, event)
    except AlreadyStored:
        return IngestResult(Outcome.DUPLICATE)


def issues(engine) -> list[IntegrationIssue]:
    with Session(engine) as session:
        return list(session.exec(select(IntegrationIssue)))


def sync_failures(engine) -> list[SyncFailure]:
    with Session(engine) as session:
        return list(session.exec(select(SyncFailure)))


def stored_event(engine, event_id: str) -> WebhookEvent:
    with Session(engine) as session:
        event = session.get(WebhookEvent, event_id)
        assert event is not None
        return event


def integration_record(engine) -> Integration:
    with Session(engine) as session:
        return session.exec(
            select(Integration).where(Integration.kombo_integration_id == INTEGRATION)
        ).one()


def version(engine, organisation_id: str) -> int:
    with Session(engine) as session:
        organisation = session.get(Organisation, organisation_id)
        assert organisation is not None
        return organisation.version
