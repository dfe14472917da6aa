"""Connect links: what create-link, relink and setup-link hand out, and what the
flow page opens."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from kombo_portal.db.models import as_utc, utc_now
from kombo_portal.sandbox.catalogue import CATEGORIES, LANGUAGES, any_tool
from kombo_portal.sandbox.inputs import (
    choice,
    flag,
    input_invalid,
    optional_string,
    reject_unknown_fields,
    require_object,
)
from kombo_portal.sandbox.integrations import get_integration
from kombo_portal.sandbox.models import SandboxIntegration, SandboxLink, random_text
from kombo_portal.sandbox.setup_steps import FILTERING, enabled_steps, integration_steps

EMBEDDED_LINK_LIFETIME = timedelta(hours=1)
MAGIC_LINK_LIFETIME = timedelta(days=365)

LINK_TYPES = ("EMBEDDED", "MAGIC_LINK")
# What create-link answers with `enable_static_ips`: documentation addresses (RFC
# 5737's TEST-NET-3, 203.0.113.0/24), never routed on the internet. The sandbox
# calls no customer's system, and an allowlist holding them opens nothing.
STATIC_IPS = ("203.0.113.10", "203.0.113.11", "203.0.113.12")
MAX_CONFIG_TEXT = 200  # scope_config_id, remote_environment (the columns' size)
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


@dataclass(frozen=True)
class CreatedLink:
    link: SandboxLink
    # The addresses to allowlist, when create-link asked for static IPs.
    static_ips: tuple[str, ...] | None


class LinkUnavailable(Exception):
    """The flow page cannot go on with this link: `reason` is unknown, expired or used."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def create_connect_link(session: Session, body: object, now: datetime | None = None) -> CreatedLink:
    """`POST /connect/create-link`: validate the body as Kombo does, store the link."""
    fields = require_object(body)
    reject_unknown_fields(fields, CONNECT_LINK_FIELDS)
    email = fields.get("end_user_email")
    if not isinstance(email, str) or not EMAIL_PATTERN.match(email):
        raise input_invalid("end_user_email: must be a valid email address.")
    organisation = fields.get("end_user_organization_name")
    if not isinstance(organisation, str) or not organisation.strip():
        raise input_invalid("end_user_organization_name: must be a non-empty string.")
    origin_id = optional_string(fields, "end_user_origin_id")
    scope_config_id = optional_string(fields, "scope_config_id", max_length=MAX_CONFIG_TEXT)
    remote_environment = optional_string(fields, "remote_environment", max_length=MAX_CONFIG_TEXT)
    category = choice(fields, "integration_category", CATEGORIES, default="HRIS")
    tool = optional_string(fields, "integration_tool")
    # Any of Kombo's tool ids, in any category: Kombo's SDK ties none to a category.
    if tool is not None and any_tool(tool) is None:
        raise input_invalid(f"integration_tool: {tool[:64]!r} is not one of Kombo's tool ids.")
    if remote_environment is not None and tool is None:
        raise input_invalid("remote_environment: may only be set together with integration_tool.")
    language = choice(fields, "language", LANGUAGES, default="en", nullable=True)
    link_type = choice(fields, "link_type", LINK_TYPES, default="EMBEDDED")
    filtering = flag(fields, "enable_filtering")
    field_mapping = flag(fields, "enable_field_mapping")
    static_ips = flag(fields, "enable_static_ips")
    link = _store_link(
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
    link.scope_config_id = scope_config_id
    link.remote_environment = remote_environment
    steps = enabled_steps(category, filtering=filtering, field_mapping=field_mapping)
    link.enable_filtering = FILTERING in steps
    link.enable_field_mapping = field_mapping
    return CreatedLink(link, STATIC_IPS if static_ips else None)


def create_integration_link(
    session: Session, integration_id: str, purpose: str, body: object, now: datetime | None = None
) -> SandboxLink:
    """`POST /integrations/{id}/relink` (purpose relink) or `/setup-link` (purpose setup)."""
    integration = get_integration(session, integration_id)
    fields = require_object(body)
    allowed = {"language", "link_type"} | ({"scope_config_id"} if purpose == "relink" else set())
    reject_unknown_fields(fields, allowed)
    steps: tuple[str, ...] = ()
    if purpose == "setup":
        if "link_type" not in fields:
            raise input_invalid("link_type: is required.")
        # Kombo: before or after the setup completed, as long as a step is enabled.
        steps = integration_steps(integration)
        if not steps:
            raise input_invalid(
                "This integration has no setup step enabled "
                "(enable_filtering or enable_field_mapping at create-link)."
            )
    scope_config_id = optional_string(fields, "scope_config_id", max_length=MAX_CONFIG_TEXT)
    language = choice(fields, "language", LANGUAGES, default="en", nullable=True)
    link_type = choice(fields, "link_type", LINK_TYPES, default="EMBEDDED")
    link = _store_link(
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
    # Relink: the scope config the integration moves to when the relink completes.
    link.scope_config_id = scope_config_id
    # A setup link opens at its first step.
    link.setup_step = steps[0] if steps else None
    return link


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
