"""The one place that decides how an integration record changes, whichever way the
news arrived: an activation token, a webhook, or a reconnect.

Every change to one integration happens under a lock on its Kombo id (PostgreSQL;
SQLite serialises all writers anyway), so a webhook and an activation racing each
other see each other's work. Every change bumps the organisation's version, so
open pages notice it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from kombo_portal.db.columns import column_length, storable_text
from kombo_portal.db.locks import hold_lock
from kombo_portal.db.models import (
    Integration,
    WebhookEvent,
    as_utc,
    utc_now,
)
from kombo_portal.records.versions import bump_version

# Webhooks about an integration that can arrive before the portal knows it.
WAITING_EVENT_TYPES = ("integration-deleted", "integration-state-changed")
# Kombo's `end_user.origin_id` as the portal reads it: longer than any id of ours, so an
# event naming another organisation by a long id is told apart from one naming none.
MAX_ORIGIN_ID_LENGTH = 200


def tool_display_name(tool_id: str) -> str:
    """Kombo's tool ids are lower-case names (`personio`, `bamboohr`); shown capitalised."""
    return tool_id[:1].upper() + tool_id[1:]


def parse_moment(value: object) -> datetime | None:
    """An ISO 8601 time from Kombo (`2026-11-29T10:00:00.000Z`), or None."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        return as_utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        return None


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
    # When Kombo's news about the state was true; older news never overwrites newer.
    state_as_of: datetime | None = None


class IntegrationOwnedElsewhere(Exception):
    """A Kombo integration id that is already recorded for another organisation."""


class IncompleteFacts(ValueError):
    """A new record needs at least the category and the tool."""


def lock_integration(session: Session, kombo_integration_id: str) -> None:
    """Hold this integration's lock until the transaction ends (PostgreSQL only).

    Taken once per transaction: a webhook locks before it reads the record, and the
    functions it then calls lock again without another round trip.
    """
    hold_lock(session, f"integration:{kombo_integration_id}")


def lock_category(session: Session, organisation_id: str, category: str) -> None:
    """Hold the lock on an organisation's category until the transaction ends
    (PostgreSQL only): two flows finishing at once for the same category, in two
    tabs, are recorded one after the other, so the second sees the first."""
    hold_lock(session, f"category:{organisation_id}:{category}")


def record_integration(
    session: Session,
    facts: IntegrationFacts,
    *,
    connected_by_user_id: str | None = None,
    now: datetime | None = None,
    known: Integration | None = None,
) -> Integration:
    """Create or update the organisation's record of this Kombo integration.

    Idempotent by Kombo integration id, also when the activation token and the
    webhook race: one creates, the other updates. Facts that are None keep what is
    stored. A record of another organisation is never touched. Webhooks that
    arrived before the record existed are applied once it does.

    `known`: the record as the caller read it in this transaction, under this
    integration's lock (saves reading it again).
    """
    now = now or utc_now()
    lock_integration(session, facts.kombo_integration_id)
    record = known or find_by_kombo_id(session, facts.kombo_integration_id)
    created = False
    if record is None:
        record, created = _insert_or_find(session, facts, connected_by_user_id, now)
    if created:
        # Events wait only while there is no record (they are stored and the record
        # created under the same lock), so only a new record can have any.
        _apply_waiting_events(session, record, now)
    else:
        if record.organisation_id != facts.organisation_id:
            raise IntegrationOwnedElsewhere(facts.kombo_integration_id)
        _apply_facts(record, facts)
        if record.connected_by_user_id is None and connected_by_user_id is not None:
            record.connected_by_user_id = connected_by_user_id
        record.updated_at = now
        session.add(record)
    bump_version(session, record.organisation_id)
    session.flush()
    return record


def mark_removed(
    session: Session,
    kombo_integration_id: str,
    removed_at: datetime | None = None,
    known: Integration | None = None,
) -> Integration | None:
    """The integration was deleted at Kombo: keep the record (its history), mark it removed.

    Returns the record, or None if the portal does not know it (yet). `known` as for
    record_integration.
    """
    lock_integration(session, kombo_integration_id)
    record = known or find_by_kombo_id(session, kombo_integration_id)
    if record is None:
        return None
    if record.removed_at is None:
        record.removed_at = removed_at or utc_now()
        record.details_due_at = None  # nothing left to ask Kombo about
        record.updated_at = utc_now()
        session.add(record)
        bump_version(session, record.organisation_id)
    return record


def change_state(
    session: Session,
    kombo_integration_id: str,
    *,
    state: str | None,
    setup_status: str | None,
    qa_status: str | None,
    as_of: datetime | None = None,
    now: datetime | None = None,
) -> Integration | None:
    """Kombo reported a new state; None if the portal does not know the integration (yet).

    A removed integration stays removed, and news older than what is stored is ignored.
    """
    lock_integration(session, kombo_integration_id)
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
            state_as_of=as_of,
        ),
        now=now,
        known=record,
    )


def record_data_activity(
    session: Session, kombo_integration_id: str, now: datetime | None = None
) -> str | None:
    """Kombo synced data of this integration: note when. Returns the organisation
    owning it, or None if the portal does not know it or it is removed.

    One statement: data-changed is the most frequent webhook by far.
    """
    return (
        session.connection()
        .execute(
            _NOTE_DATA_ACTIVITY,
            {"integration": kombo_integration_id, "at": now or utc_now()},
        )
        .scalar_one_or_none()
    )


# Built once, values bound per call: SQLAlchemy reuses the compiled statement.
_NOTE_DATA_ACTIVITY = (
    update(Integration)
    .where(col(Integration.kombo_integration_id) == bindparam("integration"))
    .where(col(Integration.removed_at).is_(None))
    .values(last_data_activity_at=bindparam("at"))
    .returning(col(Integration.organisation_id))
)


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
            .where(col(Integration.removed_at).is_(None))
            .order_by(col(Integration.connected_at))
        )
    )


def every_integration(session: Session, organisation_id: str) -> list[Integration]:
    """The organisation's integrations, removed ones too, oldest first: one read for
    everything the page shows of them (see use_cases.page_data)."""
    return list(
        session.exec(
            select(Integration)
            .where(Integration.organisation_id == organisation_id)
            .order_by(col(Integration.connected_at))
        )
    )


def not_removed(integrations: Iterable[Integration]) -> list[Integration]:
    return [integration for integration in integrations if integration.removed_at is None]


def has_live_integration(
    session: Session, organisation_id: str, category: str, other_than: str | None = None
) -> bool:
    """Kombo does not deduplicate: a category with a live integration gets no second one.
    `other_than`: a Kombo integration id not to count (the one being recorded)."""
    return any(
        integration.category == category and integration.kombo_integration_id != other_than
        for integration in current_integrations(session, organisation_id)
    )


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
        state_updated_at=facts.state_as_of,
        connected_by_user_id=connected_by_user_id,
        connected_at=now,
        updated_at=now,
        # News without the tool's label (a webhook, an activation token) asks for the
        # details; use_cases.tool_details fetches them, again after a failure.
        details_due_at=None if facts.tool_label is not None else now,
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
    stale_state = (
        facts.state_as_of is not None
        and record.state_updated_at is not None
        and facts.state_as_of < as_utc(record.state_updated_at)
    )
    for field in ("category", "tool_id", "tool_label", "tool_logo_url"):
        value = getattr(facts, field)
        if value is not None:
            setattr(record, field, value)
    if facts.tool_label is not None:  # only Kombo's details carry the label
        record.details_due_at, record.details_failures = None, 0
    if stale_state:
        return
    for field in ("state", "setup_status", "qa_status"):
        value = getattr(facts, field)
        if value is not None:
            setattr(record, field, value)
    if facts.state_as_of is not None:
        record.state_updated_at = facts.state_as_of


def _apply_waiting_events(session: Session, record: Integration, now: datetime) -> None:
    """Deletions and state changes that arrived before the record, oldest news first.

    One that names another organisation than the record's is flagged, not applied.
    """
    waiting = session.exec(
        select(WebhookEvent)
        .where(WebhookEvent.kombo_integration_id == record.kombo_integration_id)
        .where(col(WebhookEvent.applied_at).is_(None))
        .where(col(WebhookEvent.flag).is_(None))
        .where(col(WebhookEvent.type).in_(WAITING_EVENT_TYPES))
        .order_by(col(WebhookEvent.received_at))
    ).all()
    for event in waiting:
        data = json.loads(event.body).get("data", {})
        origin = event_origin(data)
        if origin is not None and origin != record.organisation_id:
            event.flag = "names another organisation than the integration's"
            session.add(event)
            continue
        if event.type == "integration-deleted":
            if record.removed_at is None:
                record.removed_at = parse_moment(data.get("deleted_at")) or now
                record.details_due_at = None
        elif record.removed_at is None:
            _apply_facts(record, state_facts(record, data))
        event.applied_at = now
        event.organisation_id = record.organisation_id
        session.add(event)
    if waiting:
        record.updated_at = now
        session.add(record)


def state_facts(record: Integration, data: dict) -> IntegrationFacts:
    """The facts an `integration-state-changed` event's data carries."""
    return IntegrationFacts(
        kombo_integration_id=record.kombo_integration_id,
        organisation_id=record.organisation_id,
        state=storable_text(data.get("state"), column_length(Integration.state)),
        setup_status=storable_text(
            data.get("setup_status"), column_length(Integration.setup_status)
        ),
        qa_status=storable_text(data.get("qa_status"), column_length(Integration.qa_status)),
        state_as_of=parse_moment(data.get("updated_at")),
    )


def event_origin(data: dict) -> str | None:
    """The organisation an event's `end_user.origin_id` names, if it names one."""
    end_user = data.get("end_user")
    if not isinstance(end_user, dict):
        return None
    return storable_text(end_user.get("origin_id"), MAX_ORIGIN_ID_LENGTH)
