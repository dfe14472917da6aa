"""The sandbox's own tables: what a real Kombo environment would hold.

On a metadata of their own, migrated by the sandbox's own alembic branch
(sandbox/migrations): only a sandbox-mode database has them. The mounted sandbox
keeps them in the portal's database, so that restarting the app does not lose
sandbox integrations that the portal's records point to.
"""

from __future__ import annotations

import secrets
import string
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import Column, DateTime, MetaData, Text, false
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from kombo_portal.db.models import new_id, utc_now

ALPHANUMERICS = string.ascii_letters + string.digits

# The constraint and index names the tables had when the portal's revision 0002
# made them; an adopted table keeps them.
SANDBOX_METADATA = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class SandboxModel(SQLModel, registry=registry(metadata=SANDBOX_METADATA)):
    """Base of the sandbox's tables: registered on SANDBOX_METADATA, not the portal's."""

    # As db.models.Table: each table names itself; Any, as SQLModel's own is a method.
    __tablename__: ClassVar[Any]


def random_text(length: int) -> str:
    """Tokens and ids as Kombo makes them: letters and digits."""
    return "".join(secrets.choice(ALPHANUMERICS) for _ in range(length))


def _moment(*, nullable: bool = False, index: bool = False) -> Column:
    return Column(DateTime(timezone=True), nullable=nullable, index=index)


def _flag() -> Any:
    """A boolean that rows made before it existed read as false."""
    return Field(default=False, sa_column_kwargs={"server_default": false()})


class SandboxLink(SandboxModel, table=True):
    """A Connect link: what create-link, relink and setup-link hand out."""

    __tablename__ = "sandbox_link"

    token: str = Field(primary_key=True, max_length=64)
    purpose: str = Field(max_length=16)  # connect, relink or setup
    link_type: str = Field(max_length=16)
    category: str = Field(max_length=16)
    integration_tool: str | None = Field(default=None, max_length=64)
    language: str = Field(default="en", max_length=2)
    end_user_email: str = Field(max_length=320)
    end_user_organization_name: str = Field(max_length=500)
    end_user_origin_id: str | None = Field(default=None, max_length=500)
    # For relink and setup links: the integration they act on; for a connect link,
    # the one it made once the credentials were in (its setup steps may follow).
    integration_id: str | None = Field(default=None, max_length=100)
    created_at: datetime = Field(default_factory=utc_now, sa_column=_moment())
    expires_at: datetime = Field(sa_column=_moment())
    completed_at: datetime | None = Field(default=None, sa_column=_moment(nullable=True))
    # create-link's scope config and tool environment; relink's scope config, which
    # the integration takes when the relink completes.
    scope_config_id: str | None = Field(default=None, max_length=200)
    remote_environment: str | None = Field(default=None, max_length=200)
    # create-link's setup steps (filtering only for HRIS, as Kombo's).
    enable_filtering: bool = _flag()
    enable_field_mapping: bool = _flag()
    # The setup step the flow page shows next (sandbox.setup_steps): set when the
    # credentials are in, or from the start for a setup link; None otherwise.
    setup_step: str | None = Field(default=None, max_length=32)


class SandboxIntegration(SandboxModel, table=True):
    __tablename__ = "sandbox_integration"

    id: str = Field(primary_key=True, max_length=100)
    tool: str = Field(max_length=64)
    category: str = Field(max_length=16)
    state: str = Field(default="ACTIVE", max_length=16)
    setup_status: str = Field(default="COMPLETED", max_length=32)
    qa_status: str = Field(default="PASSED", max_length=16)
    end_user_email: str | None = Field(default=None, max_length=320)
    end_user_organization_name: str = Field(max_length=500)
    end_user_origin_id: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utc_now, sa_column=_moment())
    updated_at: datetime = Field(default_factory=utc_now, sa_column=_moment())
    deleted_at: datetime | None = Field(default=None, sa_column=_moment(nullable=True))
    scope_config_id: str | None = Field(default=None, max_length=200)
    remote_environment: str | None = Field(default=None, max_length=200)
    # Its setup steps, and the choices made in them (JSON, see sandbox.setup_steps).
    enable_filtering: bool = _flag()
    enable_field_mapping: bool = _flag()
    employee_filter: str | None = Field(default=None, max_length=1000)
    field_mapping: str | None = Field(default=None, max_length=1000)


class SandboxActivationToken(SandboxModel, table=True):
    """What a finished Connect flow resolves with; exchanged once, within 10 minutes."""

    __tablename__ = "sandbox_activation_token"

    token: str = Field(primary_key=True, max_length=64)
    integration_id: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utc_now, sa_column=_moment())
    expires_at: datetime = Field(sa_column=_moment())
    used_at: datetime | None = Field(default=None, sa_column=_moment(nullable=True))


class SandboxIssue(SandboxModel, table=True):
    """An issue raised by hand (control endpoint), announced with `issue-status-changed`."""

    __tablename__ = "sandbox_issue"

    id: str = Field(primary_key=True, max_length=64)
    # None for an issue of the whole environment.
    integration_id: str | None = Field(default=None, max_length=100)
    type: str = Field(max_length=200)
    title: str = Field(max_length=500)
    markdown_message: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default="OPEN", max_length=16)  # OPEN or RESOLVED
    first_observed_at: datetime = Field(sa_column=_moment())
    resolved_at: datetime | None = Field(default=None, sa_column=_moment(nullable=True))


class SandboxWebhookDelivery(SandboxModel, table=True):
    """One webhook to send (an outbox row): retried until the receiver answers 2xx."""

    __tablename__ = "sandbox_webhook_delivery"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    event_id: str = Field(max_length=64, index=True)
    event_type: str = Field(max_length=64)
    # The exact bytes sent and signed (2-space-indented JSON, as Kombo sends).
    body: str = Field(sa_column=Column(Text, nullable=False))
    target_url: str = Field(max_length=2000)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utc_now, sa_column=_moment(index=True))
    delivered_at: datetime | None = Field(default=None, sa_column=_moment(nullable=True))
    last_status: int | None = None
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utc_now, sa_column=_moment())
