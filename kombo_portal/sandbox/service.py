"""What the sandbox does, as Kombo would: links, the Connect flow's outcome,
activation tokens, integrations and the webhooks each change sends.

Every function works inside the caller's database transaction, so a change and
the webhooks it announces are stored together or not at all.
"""

from __future__ import annotations

import json
import re
import secrets
import string
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, select

from kombo_portal.db.models import as_utc, utc_now
from kombo_portal.sandbox.catalogue import CATEGORIES, LANGUAGES, any_tool, find_tool
from kombo_portal.sandbox.models import (
    SandboxActivationToken,
    SandboxIntegration,
    SandboxLink,
    SandboxWebhookDelivery,
)

EMBEDDED_LINK_LIFETIME = timedelta(hours=1)
MAGIC_LINK_LIFETIME = timedelta(days=365)
ACTIVATION_TOKEN_LIFETIME = timedelta(minutes=10)
# The flow page's way to simulate bad credentials.
REJECTED_PASSWORD = "fail"  # noqa: S105

LINK_TYPES = ("EMBEDDED", "MAGIC_LINK")
STATES = ("ACTIVE", "INVALID", "INACTIVE")
SETUP_STATUSES = ("INCOMPLETE", "FINAL_SYNC_PENDING", "COMPLETED")
# Deliberately simple: Kombo rejects obviously malformed addresses, not rare valid ones.
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ALPHANUMERICS = string.ascii_letters + string.digits


@dataclass(frozen=True)
class WebhookSettings:
    target_url: str
    # Send every event twice, to exercise the receiver's deduplication.
    send_twice: bool = False


class SandboxError(Exception):
    """An API error, answered with Kombo's error envelope."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def input_invalid(message: str) -> SandboxError:
    return SandboxError(400, "PLATFORM.INPUT_INVALID", message)


def integration_not_found(integration_id: str) -> SandboxError:
    return SandboxError(
        404, "PLATFORM.INTEGRATION_NOT_FOUND", f"No integration with the id {integration_id!r}."
    )


class LinkUnavailable(Exception):
    """The flow page cannot go on with this link: `reason` is unknown, expired or used."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class CredentialsRejected(Exception):
    """The (simulated) tool refused the credentials entered in the flow page."""


def random_text(length: int) -> str:
    return "".join(secrets.choice(ALPHANUMERICS) for _ in range(length))


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return as_utc(moment).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# -- links -------------------------------------------------------------------


def create_connect_link(session: Session, body: Any, now: datetime | None = None) -> SandboxLink:
    """`POST /connect/create-link`: validate the body as Kombo does, store the link."""
    fields = _require_object(body)
    allowed = {
        "end_user_email",
        "end_user_organization_name",
        "end_user_origin_id",
        "remote_environment",
        "integration_category",
        "integration_tool",
        "language",
        "scope_config_id",
        "enable_filtering",
        "enable_field_mapping",
        "enable_static_ips",
        "link_type",
    }
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise input_invalid(f"Unknown field(s): {', '.join(unknown)}.")
    email = fields.get("end_user_email")
    if not isinstance(email, str) or not EMAIL_PATTERN.match(email):
        raise input_invalid("end_user_email: must be a valid email address.")
    organisation = fields.get("end_user_organization_name")
    if not isinstance(organisation, str) or not organisation.strip():
        raise input_invalid("end_user_organization_name: must be a non-empty string.")
    origin_id = _optional_string(fields, "end_user_origin_id")
    _optional_string(fields, "scope_config_id")
    remote_environment = _optional_string(fields, "remote_environment")
    category = _choice(fields, "integration_category", CATEGORIES, default="HRIS")
    tool = _optional_string(fields, "integration_tool")
    if tool is not None and find_tool(category, tool) is None:
        raise input_invalid(f"integration_tool: {tool!r} is not a tool of the {category} category.")
    if remote_environment is not None and tool is None:
        raise input_invalid("remote_environment: may only be set together with integration_tool.")
    language = _choice(fields, "language", LANGUAGES, default="en", nullable=True)
    link_type = _choice(fields, "link_type", LINK_TYPES, default="EMBEDDED")
    for flag in ("enable_filtering", "enable_field_mapping", "enable_static_ips"):
        if not isinstance(fields.get(flag, False), bool):
            raise input_invalid(f"{flag}: must be a boolean.")
    return _store_link(
        session,
        purpose="connect",
        link_type=link_type,
        category=category,
        tool=tool,
        language=language,
        email=email,
        organisation=organisation,
        origin_id=origin_id,
        integration=None,
        now=now,
    )


def create_integration_link(
    session: Session, integration_id: str, purpose: str, body: Any, now: datetime | None = None
) -> SandboxLink:
    """`POST /integrations/{id}/relink` (purpose relink) or `/setup-link` (purpose setup)."""
    integration = get_integration(session, integration_id)
    fields = _require_object(body)
    allowed = {"language", "link_type"} | ({"scope_config_id"} if purpose == "relink" else set())
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise input_invalid(f"Unknown field(s): {', '.join(unknown)}.")
    if purpose == "setup":
        if "link_type" not in fields:
            raise input_invalid("link_type: is required.")
        if integration.setup_status == "COMPLETED":
            raise input_invalid("This integration has no setup step left to complete.")
    _optional_string(fields, "scope_config_id")
    language = _choice(fields, "language", LANGUAGES, default="en", nullable=True)
    link_type = _choice(fields, "link_type", LINK_TYPES, default="EMBEDDED")
    return _store_link(
        session,
        purpose=purpose,
        link_type=link_type,
        category=integration.category,
        tool=integration.tool,
        language=language,
        email=integration.end_user_email or "",
        organisation=integration.end_user_organization_name,
        origin_id=integration.end_user_origin_id,
        integration=integration,
        now=now,
    )


def _store_link(
    session: Session,
    *,
    purpose: str,
    link_type: str,
    category: str,
    tool: str | None,
    language: str,
    email: str,
    organisation: str,
    origin_id: str | None,
    integration: SandboxIntegration | None,
    now: datetime | None,
) -> SandboxLink:
    now = now or utc_now()
    lifetime = MAGIC_LINK_LIFETIME if link_type == "MAGIC_LINK" else EMBEDDED_LINK_LIFETIME
    link = SandboxLink(
        token=random_text(32),
        purpose=purpose,
        link_type=link_type,
        category=category,
        integration_tool=tool,
        language=language,
        end_user_email=email,
        end_user_organization_name=organisation,
        end_user_origin_id=origin_id,
        integration_id=integration.id if integration else None,
        created_at=now,
        expires_at=now + lifetime,
    )
    session.add(link)
    return link


def open_link(
    session: Session, token: str, now: datetime | None = None, *, to_complete: bool = False
) -> SandboxLink:
    """The link behind a flow page, if it can still be used. `to_complete`: locked
    until the transaction ends, so a second submit of the same page (a double click,
    two tabs) waits and then finds it used, instead of completing it twice."""
    link = session.get(SandboxLink, token, with_for_update=to_complete) if token else None
    if link is None:
        raise LinkUnavailable("unknown")
    if link.completed_at is not None:
        raise LinkUnavailable("used")
    if as_utc(link.expires_at) <= (now or utc_now()):
        raise LinkUnavailable("expired")
    if link.integration_id is not None:
        integration = session.get(SandboxIntegration, link.integration_id)
        if integration is None or integration.deleted_at is not None:
            raise LinkUnavailable("unknown")
    return link


# -- the Connect flow ----------------------------------------------------------


def complete_flow(
    session: Session,
    link: SandboxLink,
    *,
    tool_id: str,
    password: str,
    webhooks: WebhookSettings,
    now: datetime | None = None,
) -> SandboxActivationToken:
    """The end user submitted the flow page: create, repair or finish the integration.

    Returns the activation token the page hands to its parent window. Raises
    CredentialsRejected (and announces `connection-flow-failed`) for the
    password "fail"; the link stays usable so the user can try again.
    """
    now = now or utc_now()
    tool = find_tool(link.category, tool_id)
    if tool is None or (link.integration_tool and link.integration_tool != tool_id):
        raise LinkUnavailable("unknown")
    if link.purpose != "setup" and password == REJECTED_PASSWORD:
        enqueue_webhook(
            session,
            webhooks,
            "connection-flow-failed",
            {
                "integration_tool": tool.id,
                "integration_category": link.category,
                "end_user": _link_end_user(link),
                "log_url": f"https://app.kombo.dev/logs/{random_text(24)}",
            },
            now,
        )
        raise CredentialsRejected(tool.label)

    if link.purpose == "connect":
        integration = SandboxIntegration(
            id=f"{tool.id}:{random_text(24)}",
            tool=tool.id,
            category=link.category,
            end_user_email=link.end_user_email,
            end_user_organization_name=link.end_user_organization_name,
            end_user_origin_id=link.end_user_origin_id,
            created_at=now,
            updated_at=now,
        )
        session.add(integration)
        enqueue_webhook(
            session,
            webhooks,
            "integration-created",
            {
                "id": integration.id,
                "tool": integration.tool,
                "category": integration.category,
                "end_user": _end_user(integration),
            },
            now,
        )
    else:
        integration = get_integration(session, link.integration_id or "")
        if link.purpose == "relink":
            change_state(session, integration, webhooks, state="ACTIVE", now=now)
        else:
            change_state(session, integration, webhooks, setup_status="COMPLETED", now=now)

    link.completed_at = now
    session.add(link)
    token = SandboxActivationToken(
        token=random_text(32),
        integration_id=integration.id,
        created_at=now,
        expires_at=now + ACTIVATION_TOKEN_LIFETIME,
    )
    session.add(token)
    return token


def exchange_activation_token(
    session: Session, token: str, now: datetime | None = None
) -> SandboxIntegration:
    """`GET /connect/integration-by-token/{token}`: once, within ten minutes."""
    now = now or utc_now()
    # Locked: a second exchange at the same moment waits, then finds it used.
    stored = session.get(SandboxActivationToken, token, with_for_update=True)
    if stored is None:
        raise input_invalid("The activation token is not valid.")
    if stored.used_at is not None:
        raise input_invalid("The activation token has already been used.")
    if as_utc(stored.expires_at) <= now:
        raise input_invalid("The activation token has expired.")
    stored.used_at = now
    session.add(stored)
    return get_integration(session, stored.integration_id)


# -- integrations --------------------------------------------------------------


def get_integration(session: Session, integration_id: str) -> SandboxIntegration:
    integration = session.get(SandboxIntegration, integration_id)
    if integration is None or integration.deleted_at is not None:
        raise integration_not_found(integration_id)
    return integration


def delete_integration(
    session: Session, integration_id: str, webhooks: WebhookSettings, now: datetime | None = None
) -> None:
    now = now or utc_now()
    integration = get_integration(session, integration_id)
    integration.deleted_at = now
    session.add(integration)
    enqueue_webhook(
        session,
        webhooks,
        "integration-deleted",
        {
            "id": integration.id,
            "tool": integration.tool,
            "category": integration.category,
            "end_user": _end_user(integration),
            "deleted_at": iso(now),
        },
        now,
    )


def set_enabled(
    session: Session,
    integration_id: str,
    body: Any,
    webhooks: WebhookSettings,
    now: datetime | None = None,
) -> None:
    """`PUT /integrations/{id}/enabled`: disabled means INACTIVE."""
    fields = _require_object(body)
    value = fields.get("value")
    if not isinstance(value, bool):
        raise input_invalid("value: must be a boolean.")
    integration = get_integration(session, integration_id)
    change_state(session, integration, webhooks, state="ACTIVE" if value else "INACTIVE", now=now)


def change_state(
    session: Session,
    integration: SandboxIntegration,
    webhooks: WebhookSettings,
    *,
    state: str | None = None,
    setup_status: str | None = None,
    now: datetime | None = None,
) -> None:
    """Set state and/or setup status; announce `integration-state-changed` if either changed."""
    if state is not None and state not in STATES:
        raise input_invalid(f"state: must be one of {', '.join(STATES)}.")
    if setup_status is not None and setup_status not in SETUP_STATUSES:
        raise input_invalid(f"setup_status: must be one of {', '.join(SETUP_STATUSES)}.")
    before = (integration.state, integration.setup_status)
    integration.state = state or integration.state
    integration.setup_status = setup_status or integration.setup_status
    if (integration.state, integration.setup_status) == before:
        return
    now = now or utc_now()
    integration.updated_at = now
    session.add(integration)
    enqueue_webhook(
        session,
        webhooks,
        "integration-state-changed",
        {
            "integration_id": integration.id,
            "integration_tool": integration.tool,
            "integration_category": integration.category,
            "end_user": _end_user(integration),
            "qa_status": integration.qa_status,
            "setup_status": integration.setup_status,
            "state": integration.state,
            "updated_at": iso(now),
        },
        now,
    )


def announce_data_changed(
    session: Session,
    integration_id: str,
    models: list[str],
    webhooks: WebhookSettings,
    now: datetime | None = None,
) -> None:
    integration = get_integration(session, integration_id)
    enqueue_webhook(
        session,
        webhooks,
        "data-changed",
        {
            "integration_id": integration.id,
            "integration_tool": integration.tool,
            "integration_category": integration.category,
            "changed_models": [{"name": name} for name in models],
        },
        now,
    )


# -- shapes Kombo answers with -------------------------------------------------


def integration_details(integration: SandboxIntegration, public_url: str) -> dict[str, Any]:
    """`GET /integrations/{id}`'s data."""
    tool = any_tool(integration.tool)
    return {
        "id": integration.id,
        "tool": {
            "id": integration.tool,
            "label": tool.label if tool else integration.tool,
            "internal_label": None,
            "logo_url": tool_logo_url(public_url, integration.tool),
            "icon_url": tool_logo_url(public_url, integration.tool),
        },
        "category": integration.category,
        "status": integration.state,
        "setup_status": integration.setup_status,
        "end_user": _end_user(integration),
        "scope_config": {"id": "sandbox-default-scope", "name": "Sandbox default"},
        "data_expired_at": None,
        "created_at": iso(integration.created_at),
        "beta": False,
        "read_models": [],
        "write_actions": [],
    }


def token_integration(integration: SandboxIntegration) -> dict[str, Any]:
    """`GET /connect/integration-by-token/{token}`'s flat data."""
    return {
        "tool": integration.tool,
        "id": integration.id,
        "end_user_origin_id": integration.end_user_origin_id,
        "end_user_organization_name": integration.end_user_organization_name,
        "end_user_email": integration.end_user_email,
        "setup_status": integration.setup_status,
    }


def tool_logo_url(public_url: str, tool_id: str) -> str:
    return f"{public_url}/assets/tools/{tool_id}.svg"


def _end_user(integration: SandboxIntegration) -> dict[str, Any]:
    return {
        "organization_name": integration.end_user_organization_name,
        "creator_email": integration.end_user_email,
        "origin_id": integration.end_user_origin_id,
    }


def _link_end_user(link: SandboxLink) -> dict[str, Any]:
    return {
        "organization_name": link.end_user_organization_name,
        "creator_email": link.end_user_email or None,
        "origin_id": link.end_user_origin_id,
    }


# -- webhooks ------------------------------------------------------------------


def enqueue_webhook(
    session: Session,
    webhooks: WebhookSettings,
    event_type: str,
    data: dict[str, Any],
    now: datetime | None = None,
) -> str:
    """Store a webhook in the outbox, in the caller's transaction; returns the event id."""
    now = now or utc_now()
    event_id = random_text(24)
    # Pretty-printed, as Kombo sends it: receivers must verify the raw bytes.
    body = json.dumps({"id": event_id, "type": event_type, "data": data}, indent=2)
    for _ in range(2 if webhooks.send_twice else 1):
        session.add(
            SandboxWebhookDelivery(
                event_id=event_id,
                event_type=event_type,
                body=body,
                target_url=webhooks.target_url,
                next_attempt_at=now,
                created_at=now,
            )
        )
    return event_id


def list_deliveries(session: Session, limit: int = 100) -> list[SandboxWebhookDelivery]:
    statement = (
        select(SandboxWebhookDelivery)
        .order_by(SandboxWebhookDelivery.created_at.desc())  # type: ignore[union-attr]
        .limit(limit)
    )
    return list(session.exec(statement))


# -- input checks --------------------------------------------------------------


def _require_object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise input_invalid("The request body must be a JSON object.")
    return body


def _optional_string(fields: dict[str, Any], name: str) -> str | None:
    value = fields.get(name)
    if value is not None and not isinstance(value, str):
        raise input_invalid(f"{name}: must be a string or null.")
    return value


def _choice(
    fields: dict[str, Any],
    name: str,
    options: tuple[str, ...],
    *,
    default: str,
    nullable: bool = False,
) -> str:
    value = fields.get(name, default)
    if value is None and nullable:
        return default
    if value not in options:
        raise input_invalid(f"{name}: must be one of {', '.join(options)}.")
    return value
