"""Connect links: what create-link, relink and setup-link hand out, and what the
flow page opens."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlmodel import Session

from kombo_portal.db.models import as_utc, utc_now
from kombo_portal.sandbox.catalogue import CATEGORIES, LANGUAGES, find_tool
from kombo_portal.sandbox.inputs import choice, input_invalid, optional_string, require_object
from kombo_portal.sandbox.integrations import get_integration
from kombo_portal.sandbox.models import SandboxIntegration, SandboxLink, random_text

EMBEDDED_LINK_LIFETIME = timedelta(hours=1)
MAGIC_LINK_LIFETIME = timedelta(days=365)

LINK_TYPES = ("EMBEDDED", "MAGIC_LINK")
# Deliberately simple: Kombo rejects obviously malformed addresses, not rare valid ones.
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CONNECT_LINK_FIELDS = frozenset(
    {
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
)


class LinkUnavailable(Exception):
    """The flow page cannot go on with this link: `reason` is unknown, expired or used."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def create_connect_link(session: Session, body: object, now: datetime | None = None) -> SandboxLink:
    """`POST /connect/create-link`: validate the body as Kombo does, store the link."""
    fields = require_object(body)
    unknown = sorted(set(fields) - CONNECT_LINK_FIELDS)
    if unknown:
        raise input_invalid(f"Unknown field(s): {', '.join(unknown)}.")
    email = fields.get("end_user_email")
    if not isinstance(email, str) or not EMAIL_PATTERN.match(email):
        raise input_invalid("end_user_email: must be a valid email address.")
    organisation = fields.get("end_user_organization_name")
    if not isinstance(organisation, str) or not organisation.strip():
        raise input_invalid("end_user_organization_name: must be a non-empty string.")
    origin_id = optional_string(fields, "end_user_origin_id")
    optional_string(fields, "scope_config_id")
    remote_environment = optional_string(fields, "remote_environment")
    category = choice(fields, "integration_category", CATEGORIES, default="HRIS")
    tool = optional_string(fields, "integration_tool")
    if tool is not None and find_tool(category, tool) is None:
        raise input_invalid(f"integration_tool: {tool!r} is not a tool of the {category} category.")
    if remote_environment is not None and tool is None:
        raise input_invalid("remote_environment: may only be set together with integration_tool.")
    language = choice(fields, "language", LANGUAGES, default="en", nullable=True)
    link_type = choice(fields, "link_type", LINK_TYPES, default="EMBEDDED")
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
    session: Session, integration_id: str, purpose: str, body: object, now: datetime | None = None
) -> SandboxLink:
    """`POST /integrations/{id}/relink` (purpose relink) or `/setup-link` (purpose setup)."""
    integration = get_integration(session, integration_id)
    fields = require_object(body)
    allowed = {"language", "link_type"} | ({"scope_config_id"} if purpose == "relink" else set())
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise input_invalid(f"Unknown field(s): {', '.join(unknown)}.")
    if purpose == "setup":
        if "link_type" not in fields:
            raise input_invalid("link_type: is required.")
        if integration.setup_status == "COMPLETED":
            raise input_invalid("This integration has no setup step left to complete.")
    optional_string(fields, "scope_config_id")
    language = choice(fields, "language", LANGUAGES, default="en", nullable=True)
    link_type = choice(fields, "link_type", LINK_TYPES, default="EMBEDDED")
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
