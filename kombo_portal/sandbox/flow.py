"""The Connect flow's outcome: the integration it creates, repairs or finishes, and
the activation token it hands out, exchanged once within ten minutes."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from kombo_portal.db.models import as_utc, utc_now
from kombo_portal.sandbox.catalogue import find_tool
from kombo_portal.sandbox.inputs import input_invalid
from kombo_portal.sandbox.integrations import change_state, get_integration
from kombo_portal.sandbox.links import LinkUnavailable
from kombo_portal.sandbox.models import (
    SandboxActivationToken,
    SandboxIntegration,
    SandboxLink,
    random_text,
)
from kombo_portal.sandbox.outbox import WebhookSettings, enqueue_webhook
from kombo_portal.sandbox.payloads import end_user, link_end_user

ACTIVATION_TOKEN_LIFETIME = timedelta(minutes=10)
# The flow page's way to simulate bad credentials.
REJECTED_PASSWORD = "fail"  # noqa: S105


class CredentialsRejected(Exception):
    """The (simulated) tool refused the credentials entered in the flow page."""


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
                "end_user": link_end_user(link),
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
                "end_user": end_user(integration),
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
