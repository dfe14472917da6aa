"""The one place that decides how an integration record changes, whichever way the
news arrived: an activation token, a webhook, or a reconnect.

Every change bumps the organisation's version, so open pages notice it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from kombo_portal.db.models import (
    FlowFailure,
    Integration,
    Organisation,
    User,
    WebhookEvent,
    as_utc,
    utc_now,
)

# Webhooks about an integration that can arrive before the portal knows it.
WAITING_EVENT_TYPES = ("integration-deleted", "integration-state-changed")


@dataclass(frozen=True)
class IntegrationFacts:
    """What Kombo says about an integration. Fields left None are not known from
    this source (a webhook does not carry the tool's label, for instance)."""

    kombo_integration_id: str
    organisation_id: str
    category: str | None = None
    tool_id: str | None = None
    tool_label: str | None = None
    tool_logo_url: str | None = None
    state: str | None = None
    setup_status: str | None = None
    qa_status: str | None = None


class IntegrationOwnedElsewhere(Exception):
    """A Kombo integration id that is already recorded for another organisation."""


class IncompleteFacts(ValueError):
    """A new record needs at least the category and the tool."""


@dataclass(frozen=True)
class Overview:
    """What an organisation's Integrations page shows."""

    integrations: list[Integration]
    people: dict[str, str]  # user id -> name
    failures: dict[str, FlowFailure]  # category -> latest failed flow not followed by success


def overview(session: Session, organisation_id: str) -> Overview:
    people = {
        user.id: user.name
        for user in session.exec(select(User).where(User.organisation_id == organisation_id))
    }
    return Overview(
        integrations=current_integrations(session, organisation_id),
        people=people,
        failures=latest_flow_failures(session, organisation_id),
    )


def record_integration(
    session: Session,
    facts: IntegrationFacts,
    *,
    connected_by_user_id: str | None = None,
    now: datetime | None = None,
) -> Integration:
    """Create or update the organisation's record of this Kombo integration.

    Idempotent by Kombo integration id, also when two callers (the activation
    token and the webhook) race: one creates, the other updates. Facts that are
    None keep what is stored. A record of another organisation is never touched.
    Webhooks that arrived before the record existed are applied when it is created.
    """
    now = now or utc_now()
    record = find_by_kombo_id(session, facts.kombo_integration_id)
    created = False
    if record is None:
        record, created = _insert_or_find(session, facts, connected_by_user_id, now)
    if not created:
        if record.organisation_id != facts.organisation_id:
            raise IntegrationOwnedElsewhere(facts.kombo_integration_id)
        _apply_facts(record, facts)
        if record.connected_by_user_id is None and connected_by_user_id is not None:
            record.connected_by_user_id = connected_by_user_id
        record.updated_at = now
        session.add(record)
    else:
        _apply_waiting_events(session, record, now)
    _bump_version(session, record.organisation_id)
    session.flush()
    return record


def mark_removed(session: Session, kombo_integration_id: str, now: datetime | None = None):
    """The integration was deleted at Kombo: keep the record (its history), mark it removed.

    Returns the record, or None if the portal does not know it (yet).
    """
    record = find_by_kombo_id(session, kombo_integration_id)
    if record is None:
        return None
    if record.removed_at is None:
        record.removed_at = now or utc_now()
        record.updated_at = record.removed_at
        session.add(record)
        _bump_version(session, record.organisation_id)
    return record


def change_state(
    session: Session,
    kombo_integration_id: str,
    *,
    state: str | None,
    setup_status: str | None,
    qa_status: str | None,
    now: datetime | None = None,
) -> Integration | None:
    """Kombo reported a new state; None if the portal does not know the integration (yet).

    A removed integration stays removed: a late state change never resurrects it.
    """
    record = find_by_kombo_id(session, kombo_integration_id)
    if record is None or record.removed_at is not None:
        return record
    return record_integration(
        session,
        IntegrationFacts(
            kombo_integration_id=kombo_integration_id,
            organisation_id=record.organisation_id,
            state=state,
            setup_status=setup_status,
            qa_status=qa_status,
        ),
        now=now,
    )


def record_data_activity(
    session: Session, kombo_integration_id: str, now: datetime | None = None
) -> Integration | None:
    record = find_by_kombo_id(session, kombo_integration_id)
    if record is None:
        return None
    record.last_data_activity_at = now or utc_now()
    session.add(record)
    return record


def record_flow_failure(
    session: Session,
    organisation_id: str,
    *,
    category: str,
    tool_id: str,
    log_url: str | None,
    now: datetime | None = None,
) -> FlowFailure:
    failure = FlowFailure(
        organisation_id=organisation_id,
        category=category,
        tool_id=tool_id,
        log_url=log_url,
        failed_at=now or utc_now(),
    )
    session.add(failure)
    _bump_version(session, organisation_id)
    return failure


def latest_flow_failures(session: Session, organisation_id: str) -> dict[str, FlowFailure]:
    """Per category, the latest failed flow that no connection succeeded after."""
    failures: dict[str, FlowFailure] = {}
    for failure in session.exec(
        select(FlowFailure)
        .where(FlowFailure.organisation_id == organisation_id)
        .order_by(FlowFailure.failed_at)
    ):
        failures[failure.category] = failure
    for integration in current_integrations(session, organisation_id):
        failure = failures.get(integration.category)
        if failure and as_utc(failure.failed_at) <= as_utc(integration.connected_at):
            del failures[integration.category]
    return failures


def find_by_kombo_id(session: Session, kombo_integration_id: str) -> Integration | None:
    return session.exec(
        select(Integration).where(Integration.kombo_integration_id == kombo_integration_id)
    ).first()


def current_integrations(session: Session, organisation_id: str) -> list[Integration]:
    """The organisation's integrations that are not removed, oldest first."""
    return list(
        session.exec(
            select(Integration)
            .where(Integration.organisation_id == organisation_id)
            .where(Integration.removed_at.is_(None))  # type: ignore[union-attr]
            .order_by(Integration.connected_at)
        )
    )


def has_live_integration(session: Session, organisation_id: str, category: str) -> bool:
    """Kombo does not deduplicate: a category with a live integration gets no second one."""
    return any(
        integration.category == category
        for integration in current_integrations(session, organisation_id)
    )


def organisation_version(session: Session, organisation_id: str) -> int:
    version = session.exec(
        select(Organisation.version).where(Organisation.id == organisation_id)
    ).first()
    return version or 0


def _insert_or_find(
    session: Session, facts: IntegrationFacts, connected_by_user_id: str | None, now: datetime
) -> tuple[Integration, bool]:
    if not facts.category or not facts.tool_id:
        raise IncompleteFacts(f"{facts.kombo_integration_id}: category and tool are needed")
    record = Integration(
        kombo_integration_id=facts.kombo_integration_id,
        organisation_id=facts.organisation_id,
        category=facts.category,
        tool_id=facts.tool_id,
        tool_label=facts.tool_label or facts.tool_id,
        tool_logo_url=facts.tool_logo_url,
        state=facts.state or "ACTIVE",
        setup_status=facts.setup_status or "COMPLETED",
        qa_status=facts.qa_status,
        connected_by_user_id=connected_by_user_id,
        connected_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(record)
    except IntegrityError:
        # Another transaction recorded it between our look and our insert.
        existing = find_by_kombo_id(session, facts.kombo_integration_id)
        if existing is None:
            raise
        return existing, False
    return record, True


def _apply_facts(record: Integration, facts: IntegrationFacts) -> None:
    for field in (
        "category",
        "tool_id",
        "tool_label",
        "tool_logo_url",
        "state",
        "setup_status",
        "qa_status",
    ):
        value = getattr(facts, field)
        if value is not None:
            setattr(record, field, value)


def _apply_waiting_events(session: Session, record: Integration, now: datetime) -> None:
    """Deletions and state changes that arrived before the record, in arrival order."""
    waiting = session.exec(
        select(WebhookEvent)
        .where(WebhookEvent.kombo_integration_id == record.kombo_integration_id)
        .where(WebhookEvent.applied_at.is_(None))  # type: ignore[union-attr]
        .where(WebhookEvent.type.in_(WAITING_EVENT_TYPES))  # type: ignore[attr-defined]
        .order_by(WebhookEvent.received_at)
    ).all()
    for event in waiting:
        data = json.loads(event.body).get("data", {})
        if event.type == "integration-deleted":
            record.removed_at = now
        elif record.removed_at is None:
            _apply_facts(
                record,
                IntegrationFacts(
                    kombo_integration_id=record.kombo_integration_id,
                    organisation_id=record.organisation_id,
                    state=_text(data.get("state")),
                    setup_status=_text(data.get("setup_status")),
                    qa_status=_text(data.get("qa_status")),
                ),
            )
        event.applied_at = now
        event.organisation_id = record.organisation_id
        session.add(event)
    if waiting:
        record.updated_at = now
        session.add(record)


def _bump_version(session: Session, organisation_id: str) -> None:
    session.exec(
        update(Organisation)
        .where(Organisation.id == organisation_id)
        .values(version=Organisation.version + 1)
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
