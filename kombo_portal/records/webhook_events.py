"""Kombo's webhooks, once verified: parse, apply, store in the inbox once.

Applying and storing happen in the caller's one transaction (use_cases.webhooks):
either the event is in the inbox and its effects are in the database, or neither is
(and Kombo delivers it again).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlalchemy import bindparam
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, SQLModel, col

from kombo_portal.db.columns import column_length, storable_text
from kombo_portal.db.models import Integration, Organisation, WebhookEvent, utc_now
from kombo_portal.records.accounts import MAX_EMAIL_LENGTH
from kombo_portal.records.flow_failures import record_flow_failure
from kombo_portal.records.integrations import (
    WAITING_EVENT_TYPES,
    IncompleteFacts,
    IntegrationFacts,
    IntegrationOwnedElsewhere,
    event_origin,
    find_by_kombo_id,
    lock_integration,
    mark_removed,
    parse_moment,
    record_data_activity,
    record_integration,
    state_facts,
)
from kombo_portal.records.invitations import created_through_revoked_invitation
from kombo_portal.records.issues import (
    ISSUE_EVENT_TYPE,
    IssueOfAnotherIntegration,
    UnusableIssue,
    read_issue_news,
    record_issue_news,
)
from kombo_portal.records.sync_failures import (
    SUCCEEDED,
    kombo_log_url,
    record_sync_failure,
    sync_state,
)

MAX_EVENT_ID_LENGTH = column_length(WebhookEvent.id)
INTEGRATION_ID_LENGTH = column_length(Integration.kombo_integration_id)
TOOL_ID_LENGTH = column_length(Integration.tool_id)
MAX_EVENT_TYPE_LENGTH = column_length(WebhookEvent.type)


class InvalidEvent(ValueError):
    """A body that is not a Kombo event; the message says what is wrong (answered 400)."""


@dataclass(frozen=True)
class KomboEvent:
    id: str
    type: str
    data: dict[str, object]
    body: str


class Outcome(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"  # seen before: nothing done again
    WAITING = "waiting"  # about an integration the portal does not know yet
    FLAGGED = "flagged"  # stored, but could not be applied (for example an unknown organisation)
    STORED = "stored"  # a type the portal does not act on


@dataclass(frozen=True)
class IngestResult:
    outcome: Outcome
    # Set when the record lacks details only Kombo's API has (the tool's label and logo).
    needs_details_for: str | None = None
    organisation_id: str | None = None
    # Why it was not applied (the inbox's flag), for the log line.
    flag: str | None = None


def parse_event(raw: bytes) -> KomboEvent:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidEvent("the body is not UTF-8") from None
    try:
        payload = json.loads(text)
    except (ValueError, RecursionError):
        # ValueError covers malformed JSON and numbers too long to convert.
        raise InvalidEvent("the body is not JSON this portal can read") from None
    if not isinstance(payload, dict):
        raise InvalidEvent("the body is not a JSON object")
    event_id, event_type, data = payload.get("id"), payload.get("type"), payload.get("data")
    if not isinstance(event_id, str) or not event_id.strip():
        raise InvalidEvent("`id` must be a non-empty string")
    if storable_text(event_id, MAX_EVENT_ID_LENGTH) is None:
        raise InvalidEvent(f"`id` must be text of at most {MAX_EVENT_ID_LENGTH} characters")
    if not isinstance(event_type, str) or not event_type.strip():
        raise InvalidEvent("`type` must be a non-empty string")
    if storable_text(event_type, MAX_EVENT_TYPE_LENGTH) is None:
        raise InvalidEvent(f"`type` must be text of at most {MAX_EVENT_TYPE_LENGTH} characters")
    if not isinstance(data, dict):
        raise InvalidEvent("`data` must be an object")
    return KomboEvent(id=event_id, type=event_type, data=data, body=text)


@dataclass(slots=True)
class InboxRow:
    """The inbox row (db.models.WebhookEvent) `ingest` writes, as plain values: it is
    written with one Core statement, and building a SQLModel instance for it took a
    quarter of the database thread's time per event."""

    id: str
    type: str
    body: str
    received_at: datetime = field(default_factory=utc_now)
    organisation_id: str | None = None
    kombo_integration_id: str | None = None
    applied_at: datetime | None = None
    flag: str | None = None


class AlreadyStored(Exception):
    """The inbox holds the event already: the caller must roll back what `ingest` did."""


def ingest(
    session: Session, event: KomboEvent, setup_categories: frozenset[str] = frozenset()
) -> IngestResult:
    """Apply the event and store it in the inbox, in the caller's transaction; raises
    AlreadyStored if the inbox holds it already (then nothing of this may be kept).

    `setup_categories`: those this deployment connects with setup steps (filtering,
    field mapping). Kombo starts such a connection INCOMPLETE, and `integration-created`
    does not say: a record it creates starts so, until Kombo's details tell.

    The inbox row is written last, in one statement that does nothing if the event id
    is there already. Applying before storing saves a look-up (and the statements of a
    second write of the row) for every event, at the price of some work for each
    repeat, which is rare.
    """
    if event.type in (*WAITING_EVENT_TYPES, "integration-created", ISSUE_EVENT_TYPE):
        # Serialise with anything else changing this integration (see integrations).
        subject = _subject(event)
        if subject:
            lock_integration(session, subject)
    inbox = InboxRow(id=event.id, type=event.type, body=event.body)
    result = _apply(session, inbox, event, setup_categories)
    if not _store_once(session, inbox):
        raise AlreadyStored(event.id)
    return result


def _store_once(session: Session, inbox: InboxRow) -> bool:
    """Insert the inbox row unless its id is there; False if it was (a repeat).

    A concurrent delivery of the same event waits here for the other to commit or
    roll back (both databases), so exactly one of them stores and applies it.
    """
    values = {column.name: getattr(inbox, column.name) for column in _INBOX_COLUMNS}
    statement = _INSERT_UNLESS_STORED[session.get_bind().dialect.name]
    return session.connection().execute(statement, values).first() is not None


_INBOX_COLUMNS = tuple(SQLModel.metadata.tables[WebhookEvent.__tablename__].columns)
# Built once, values bound per call: SQLAlchemy reuses the compiled statement.
_INSERT_UNLESS_STORED = {
    name: insert(WebhookEvent)
    .values({column.name: bindparam(column.name, type_=column.type) for column in _INBOX_COLUMNS})
    .on_conflict_do_nothing(index_elements=["id"])
    .returning(col(WebhookEvent.id))
    for name, insert in (("postgresql", postgresql_insert), ("sqlite", sqlite_insert))
}


def _subject(event: KomboEvent) -> str | None:
    data = event.data
    if event.type == ISSUE_EVENT_TYPE:
        # `integration` is null for an issue of the whole environment.
        integration = data.get("integration")
        data = integration if isinstance(integration, dict) else {}
    key = "integration_id" if event.type == "integration-state-changed" else "id"
    return storable_text(data.get(key), INTEGRATION_ID_LENGTH)


def _apply(
    session: Session, inbox: InboxRow, event: KomboEvent, setup_categories: frozenset[str]
) -> IngestResult:
    data = event.data
    now = utc_now()
    if event.type == "integration-created":
        integration_id = _subject(event)
        inbox.kombo_integration_id = integration_id
        if integration_id is None:
            return _flag(inbox, "no usable integration id")
        organisation = _organisation(session, event_origin(data))
        if organisation is None:
            return _flag(inbox, "unknown organisation (end_user.origin_id)")
        inbox.organisation_id = organisation.id
        category = _category(data.get("category"))
        end_user = data.get("end_user")
        creator = end_user.get("creator_email") if isinstance(end_user, dict) else None
        known = find_by_kombo_id(session, integration_id)
        if known is None and (
            created_through_revoked_invitation(
                session, organisation.id, category, storable_text(creator, MAX_EMAIL_LENGTH)
            )
        ):
            return _flag(inbox, "created through a revoked invitation")
        try:
            record = record_integration(
                session,
                IntegrationFacts(
                    kombo_integration_id=integration_id,
                    organisation_id=organisation.id,
                    category=category,
                    tool_id=storable_text(data.get("tool"), TOOL_ID_LENGTH),
                    # Only for a new record: a known one keeps what Kombo said of it.
                    setup_status="INCOMPLETE"
                    if known is None and category in setup_categories
                    else None,
                ),
                now=now,
                known=known,
            )
        except IntegrationOwnedElsewhere:
            return _flag(inbox, "integration recorded for another organisation")
        except IncompleteFacts:
            return _flag(inbox, "no usable category or tool")
        _mark_applied(inbox, now)
        return IngestResult(
            Outcome.APPLIED,
            needs_details_for=integration_id if record.details_due_at is not None else None,
            organisation_id=organisation.id,
        )

    if event.type in WAITING_EVENT_TYPES:
        integration_id = _subject(event)
        inbox.kombo_integration_id = integration_id
        if integration_id is None:
            return _flag(inbox, "no usable integration id")
        record = find_by_kombo_id(session, integration_id)
        if record is None:
            # Applied when (if ever) the integration appears; see record_integration.
            return IngestResult(Outcome.WAITING)
        origin = event_origin(data)
        if origin is not None and origin != record.organisation_id:
            return _flag(inbox, "names another organisation than the integration's")
        if event.type == "integration-deleted":
            mark_removed(session, integration_id, parse_moment(data.get("deleted_at")), record)
        elif record.removed_at is None:  # a late state change never resurrects it
            record_integration(session, state_facts(record, data), now=now, known=record)
        inbox.organisation_id = record.organisation_id
        _mark_applied(inbox, now)
        return IngestResult(Outcome.APPLIED, organisation_id=record.organisation_id)

    if event.type == "connection-flow-failed":
        organisation = _organisation(session, event_origin(data))
        if organisation is None:
            return _flag(inbox, "unknown organisation (end_user.origin_id)")
        category = _category(data.get("integration_category"))
        tool = storable_text(data.get("integration_tool"), TOOL_ID_LENGTH)
        if category is None or tool is None:
            return _flag(inbox, "no usable category or tool")
        inbox.organisation_id = organisation.id
        record_flow_failure(
            session,
            organisation.id,
            category=category,
            tool_id=tool,
            # Shown to admins as a link: like a sync's, only an https address.
            log_url=kombo_log_url(data.get("log_url")),
            now=now,
        )
        _mark_applied(inbox, now)
        return IngestResult(Outcome.APPLIED, organisation_id=organisation.id)

    if event.type == "sync-finished":
        return _apply_sync_finished(session, inbox, data, now)

    if event.type == ISSUE_EVENT_TYPE:
        return _apply_issue(session, inbox, event, now)

    if event.type == "data-changed":
        integration_id = storable_text(data.get("integration_id"), INTEGRATION_ID_LENGTH)
        owner = record_data_activity(session, integration_id, now) if integration_id else None
        inbox.kombo_integration_id = integration_id
        if owner is None:
            return _flag(inbox, "unknown or removed integration")
        inbox.organisation_id = owner
        _mark_applied(inbox, now)
        return IngestResult(Outcome.APPLIED, organisation_id=owner)

    return IngestResult(Outcome.STORED)


def _apply_sync_finished(
    session: Session, inbox: InboxRow, data: dict, now: datetime
) -> IngestResult:
    """Only a sync that succeeded is data activity; one in any other state is kept
    for the activity log (records.sync_failures)."""
    integration_id = storable_text(data.get("integration_id"), INTEGRATION_ID_LENGTH)
    inbox.kombo_integration_id = integration_id
    state = sync_state(data.get("sync_state"))
    if state is None:
        return _flag(inbox, "no usable sync_state")
    record = find_by_kombo_id(session, integration_id) if integration_id else None
    if record is None or record.removed_at is not None:
        return _flag(inbox, "unknown or removed integration")
    origin = event_origin(data)
    if origin is not None and origin != record.organisation_id:
        return _flag(inbox, "names another organisation than the integration's")
    if state == SUCCEEDED:
        record_data_activity(session, record.kombo_integration_id, now)
    else:
        record_sync_failure(session, record, state, kombo_log_url(data.get("log_url")), now)
    inbox.organisation_id = record.organisation_id
    _mark_applied(inbox, now)
    return IngestResult(Outcome.APPLIED, organisation_id=record.organisation_id)


def _apply_issue(
    session: Session, inbox: InboxRow, event: KomboEvent, now: datetime
) -> IngestResult:
    """Kombo raised or resolved an issue of an integration (records.issues). Every
    check comes before the one write, so a flagged event changed nothing."""
    try:
        news = read_issue_news(event.data)
    except UnusableIssue as unusable:
        return _flag(inbox, str(unusable))
    if "integration" not in event.data:
        return _flag(inbox, "no integration (null for an issue of the whole environment)")
    about = event.data["integration"]
    if about is None:
        # Kombo's issue with the environment (the operator's account), not with an
        # organisation's integration: kept in the inbox for the operator.
        inbox.flag = "an issue of the whole environment: shown to no organisation"
        return IngestResult(Outcome.STORED, flag=inbox.flag)
    integration_id = _subject(event)
    inbox.kombo_integration_id = integration_id
    if integration_id is None:
        return _flag(inbox, "no usable integration id")
    record = find_by_kombo_id(session, integration_id)
    if record is None:
        return _flag(inbox, "unknown integration")
    origin = event_origin(about) if isinstance(about, dict) else None
    if origin is not None and origin != record.organisation_id:
        return _flag(inbox, "names another organisation than the integration's")
    try:
        changed = record_issue_news(session, record, news, now)
    except IssueOfAnotherIntegration:
        return _flag(inbox, "the issue is recorded for another integration")
    if not changed:
        return _flag(inbox, "older than the issue as recorded: changed nothing")
    inbox.organisation_id = record.organisation_id
    _mark_applied(inbox, now)
    return IngestResult(Outcome.APPLIED, organisation_id=record.organisation_id)


def _category(value: object) -> str | None:
    """Kombo's categories are short upper-case words (HRIS, ATS, ...); a new one is kept."""
    category = storable_text(value, column_length(Integration.category))
    return category if category and category.isalpha() and category.isupper() else None


def _organisation(session: Session, origin_id: str | None) -> Organisation | None:
    return session.get(Organisation, origin_id) if origin_id else None


def _flag(inbox: InboxRow, reason: str) -> IngestResult:
    inbox.flag = reason
    return IngestResult(Outcome.FLAGGED, flag=reason)


def _mark_applied(inbox: InboxRow, now: datetime) -> None:
    inbox.applied_at = now
