"""The portal's tables. Every change here comes with a migration in alembic/versions."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, Text
from sqlmodel import Field, SQLModel

# Named constraints, so later migrations can alter them (SQLite's batch mode needs names).
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Table(SQLModel):
    """The portal's tables, each naming itself with `__tablename__`."""

    # SQLModel declares `__tablename__` twice: as a class variable (what a table
    # sets) and as the method that makes the default; type checkers see only the
    # method. Any: a name (str) here, that method in SQLModel.
    __tablename__: ClassVar[Any]


def utc_now() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything stored here is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def new_id() -> str:
    return uuid.uuid4().hex


def is_record_id(value: object) -> bool:
    """Could `value` be an id `new_id` made? Ids arrive from browsers; anything else
    (a NUL, a lone surrogate, a megabyte) is refused before it reaches a query."""
    return isinstance(value, str) and 0 < len(value) <= 32 and value.isascii() and value.isalnum()


class Organisation(Table, table=True):
    """A customer of the operator. Its id is what goes to Kombo as `end_user_origin_id`."""

    __tablename__ = "organisation"
    # One organisation per organisation of the operator's product (sign-in hand-off).
    # A unique index, not a constraint: SQLite adds one without rebuilding the table.
    __table_args__ = (
        Index(
            "ix_organisation_external_issuer_external_id",
            "external_issuer",
            "external_id",
            unique=True,
        ),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    name: str = Field(max_length=200, unique=True)
    # Who made it through a hand-off (the token's `iss` and `org_id`); None otherwise.
    external_issuer: str | None = Field(default=None, max_length=200)
    external_id: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    # Bumped with every change to the organisation's integrations, so open pages
    # (served by any worker) notice with one cheap query.
    version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class Role(StrEnum):
    ADMIN = "admin"  # may connect, reconnect and disconnect
    MEMBER = "member"  # may only look


class User(Table, table=True):
    """A customer admin or member; belongs to one organisation."""

    __tablename__ = "portal_user"
    # A hand-off's user is its product's user (`iss`, `sub`), never whoever has the email.
    __table_args__ = (
        Index(
            "ix_portal_user_external_issuer_external_subject",
            "external_issuer",
            "external_subject",
            unique=True,
        ),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    organisation_id: str = Field(foreign_key="organisation.id", index=True, max_length=32)
    # Stored lower-cased, so sign-in and uniqueness ignore case.
    email: str = Field(max_length=320, unique=True)
    name: str = Field(max_length=200)
    # "" for a user who signs in only through a hand-off: no password matches it.
    password_hash: str = Field(max_length=200)
    role: str = Field(default=Role.MEMBER.value, max_length=16)
    # The language the user chose (en, de, ...); None until they choose one, and then
    # pages follow their browser.
    language: str | None = Field(default=None, max_length=2)
    created_at: datetime = Field(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    external_issuer: str | None = Field(default=None, max_length=200)
    external_subject: str | None = Field(default=None, max_length=200)


class UsedHandoff(Table, table=True):
    """A hand-off token's `jti`, kept until the token expires, so it signs in only once."""

    __tablename__ = "used_handoff"

    id: str = Field(primary_key=True, max_length=64)  # sha256 of issuer and jti
    expires_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, index=True)
    )


class UserSession(Table, table=True):
    """A signed-in browser. The id is a hash of the cookie's token, never the token."""

    __tablename__ = "user_session"

    id: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(
        sa_column=Column(
            String(32), ForeignKey("portal_user.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    created_at: datetime = Field(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class SignInAttempt(Table, table=True):
    """Failed sign-ins, per email (hashed), to slow down guessing across all workers."""

    __tablename__ = "sign_in_attempt"

    id: int | None = Field(default=None, primary_key=True)
    email_key: str = Field(max_length=64, index=True)
    attempted_at: datetime = Field(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class Integration(Table, table=True):
    """An organisation's connection to one HR or recruiting system, as Kombo reports it.

    Changed only by kombo_portal.records.integrations, whichever way the news arrives
    (activation token, webhook, reconnect).
    """

    __tablename__ = "integration"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    kombo_integration_id: str = Field(max_length=200, unique=True)
    organisation_id: str = Field(foreign_key="organisation.id", index=True, max_length=32)
    category: str = Field(max_length=16)
    tool_id: str = Field(max_length=100)
    tool_label: str = Field(max_length=200)
    tool_logo_url: str | None = Field(default=None, max_length=2000)
    state: str = Field(max_length=32)  # Kombo's status: ACTIVE, INVALID, INACTIVE, ...
    setup_status: str = Field(max_length=32)
    qa_status: str | None = Field(default=None, max_length=16)
    # When Kombo says the state last changed: older news never overwrites newer.
    state_updated_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    last_data_activity_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    connected_by_user_id: str | None = Field(default=None, foreign_key="portal_user.id")
    connected_at: datetime = Field(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    removed_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    # When to ask Kombo for the tool's details (label, logo) that the news recorded
    # so far did not carry; None once they are known or the record is removed.
    # Kept here, not in memory, so a restart does not forget a fetch that failed.
    details_due_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True, index=True)
    )
    # Fetches of those details that failed in a row: the wait before the next grows.
    details_failures: int = Field(
        default=0, sa_column=Column(Integer, nullable=False, server_default="0")
    )


class ConnectAttempt(Table, table=True):
    """The audit trail of what admins did to integrations: who, when, which category
    and integration, how it ended."""

    __tablename__ = "connect_attempt"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    organisation_id: str = Field(foreign_key="organisation.id", index=True, max_length=32)
    user_id: str | None = Field(default=None, foreign_key="portal_user.id")
    category: str = Field(max_length=16)
    # connect, reconnect, setup, disconnect, enable, disable, invite, revoke
    action: str = Field(
        default="connect", max_length=16, sa_column_kwargs={"server_default": "connect"}
    )
    # started, link_failed, cancelled, failed, refused, connected, done
    outcome: str = Field(default="started", max_length=16)
    detail: str | None = Field(default=None, max_length=1000)
    # Kombo's log of a failed call, for admins.
    log_url: str | None = Field(default=None, max_length=2000)
    kombo_integration_id: str | None = Field(default=None, max_length=200)
    # The addresses (space-separated) create-link answered with static IPs enabled: the
    # customer's firewall must let them through.
    static_ips: str | None = Field(default=None, max_length=2000)
    started_at: datetime = Field(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    finished_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


class WebhookEvent(Table, table=True):
    """The webhook inbox: every verified event, once (keyed by Kombo's event id)."""

    __tablename__ = "webhook_event"

    id: str = Field(primary_key=True, max_length=200)
    type: str = Field(max_length=100, index=True)
    body: str = Field(sa_column=Column(Text, nullable=False))  # the raw bytes, as UTF-8
    received_at: datetime = Field(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    organisation_id: str | None = Field(default=None, foreign_key="organisation.id", index=True)
    # The Kombo integration it is about, if any: events for one not seen yet wait here.
    kombo_integration_id: str | None = Field(default=None, max_length=200, index=True)
    applied_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    # Why it could not be applied (for example an unknown organisation), for operators.
    flag: str | None = Field(default=None, max_length=200)


class FlowFailure(Table, table=True):
    """A failed Connect flow that Kombo reported (`connection-flow-failed`)."""

    __tablename__ = "flow_failure"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    organisation_id: str = Field(foreign_key="organisation.id", index=True, max_length=32)
    category: str = Field(max_length=16)
    tool_id: str = Field(max_length=100)
    log_url: str | None = Field(default=None, max_length=2000)
    failed_at: datetime = Field(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class IntegrationIssue(Table, table=True):
    """An issue Kombo reported with an integration (`issue-status-changed`), keyed by
    Kombo's issue id: open from `raised` until `resolved`. Changed only by
    kombo_portal.records.issues."""

    __tablename__ = "integration_issue"

    id: str = Field(primary_key=True, max_length=200)
    integration_id: str = Field(foreign_key="integration.id", index=True, max_length=32)
    organisation_id: str = Field(foreign_key="organisation.id", index=True, max_length=32)
    # Kombo's issue type (`integration.authentication_failed`, ...); new ones are valid.
    type: str = Field(max_length=200)
    title: str = Field(max_length=500)
    # What is wrong and how to fix it, as Kombo wrote it (shown to admins as plain text).
    markdown_message: str = Field(max_length=10000)
    status: str = Field(max_length=16)  # OPEN or RESOLVED
    # When Kombo first observed this episode of the issue: it tells a late `raised`
    # of an episode already resolved from the start of a new one.
    first_observed_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    resolved_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    updated_at: datetime = Field(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class SyncFailure(Table, table=True):
    """A sync that Kombo reported as not succeeded (`sync-finished` with another state
    than SUCCEEDED), for the activity log."""

    __tablename__ = "sync_failure"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    organisation_id: str = Field(foreign_key="organisation.id", index=True, max_length=32)
    kombo_integration_id: str = Field(max_length=200)
    sync_state: str = Field(max_length=64)  # Kombo's: FAILED, PARTIALLY_FAILED, ...
    log_url: str | None = Field(default=None, max_length=2000)
    reported_at: datetime = Field(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class MagicLink(Table, table=True):
    """An invitation: a Kombo MAGIC_LINK for a colleague who holds the credentials."""

    __tablename__ = "magic_link"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    organisation_id: str = Field(foreign_key="organisation.id", index=True, max_length=32)
    category: str = Field(max_length=16)
    colleague_email: str = Field(max_length=320)
    url: str = Field(max_length=2000)
    created_by_user_id: str | None = Field(default=None, foreign_key="portal_user.id")
    created_at: datetime = Field(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    revoked_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


class SessionGrant(Table, table=True):
    """A one-time, one-minute hand-over from a successful sign-in to the route that
    sets the HttpOnly session cookie (event handlers cannot set HttpOnly cookies)."""

    __tablename__ = "session_grant"

    id: str = Field(primary_key=True, max_length=64)  # keyed hash of the grant token
    user_id: str = Field(
        sa_column=Column(
            String(32), ForeignKey("portal_user.id", ondelete="CASCADE"), nullable=False
        )
    )
    # Keyed hash of a nonce the signing-in page put in a cookie: only that browser can
    # redeem the grant, so nobody can sign someone else's browser in to their account.
    nonce_hash: str = Field(max_length=64)
    # Where the browser goes after the cookie is set: the page's own origin and path.
    page_origin: str = Field(max_length=500)
    next_path: str = Field(max_length=2000)
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
