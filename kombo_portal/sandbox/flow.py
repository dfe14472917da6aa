"""The Connect flow's outcome: the integration it creates, repairs or sets up, and
the activation token it hands out at its very end, exchanged once within ten minutes.

A flow is the tool's credentials (connect and relink links), then each setup step
the link or integration has (sandbox.setup_steps): a connect link with steps makes
its integration when the credentials are in (`integration-created`, setup
INCOMPLETE) and completes it after the last step (`integration-state-changed`), and
only then hands out the activation token, as Kombo's embedded flow resolves after
the whole flow. A user who leaves after the credentials leaves it INCOMPLETE.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from kombo_portal.db.models import as_utc, utc_now
from kombo_portal.sandbox.catalogue import SandboxTool, any_tool, find_tool
from kombo_portal.sandbox.inputs import input_invalid, new_log_url
from kombo_portal.sandbox.integrations import change_state, get_integration
from kombo_portal.sandbox.models import (
    SandboxActivationToken,
    SandboxIntegration,
    SandboxLink,
    random_text,
)
from kombo_portal.sandbox.outbox import WebhookSettings, enqueue_webhook
from kombo_portal.sandbox.payloads import end_user, link_end_user
from kombo_portal.sandbox.setup_steps import (
    Choice,
    integration_steps,
    link_steps,
    step_after,
    store_choice,
)

ACTIVATION_TOKEN_LIFETIME = timedelta(minutes=10)
# The flow page's way to simulate bad credentials.
REJECTED_PASSWORD = "fail"  # noqa: S105


class CredentialsRejected(Exception):
    """The (simulated) tool refused the credentials entered in the flow page;
    `log_url` is the one its `connection-flow-failed` webhook carries."""

    def __init__(self, tool_label: str, log_url: str) -> None:
        super().__init__(tool_label)
        self.log_url = log_url


def tool_for_link(link: SandboxLink, chosen: str | None) -> SandboxTool | None:
    """The tool a flow of `link` connects: the one the link names (any of Kombo's
    list; `chosen` must then be that one or nothing), else the user's pick among the
    tools the choose-tool page offers for the category."""
    if link.integration_tool:
        named = chosen in (None, "", link.integration_tool)
        return any_tool(link.integration_tool) if named else None
    return find_tool(link.category, chosen) if chosen else None


def submit_credentials(
    session: Session,
    link: SandboxLink,
    tool: SandboxTool,
    *,
    password: str,
    webhooks: WebhookSettings,
    now: datetime | None = None,
) -> SandboxActivationToken | None:
    """The end user signed in to the tool: create or repair the integration.

    Returns the activation token, or None when setup steps follow (the link's
    `setup_step` says which). Raises CredentialsRejected (and announces
    `connection-flow-failed`) for the password "fail"; the link stays usable.
    """
    now = now or utc_now()
    if password == REJECTED_PASSWORD:
        log_url = new_log_url()
        enqueue_webhook(
            session,
            webhooks,
            "connection-flow-failed",
            {
                "integration_tool": tool.id,
                "integration_category": link.category,
                "end_user": link_end_user(link),
                "log_url": log_url,
            },
            now,
        )
        raise CredentialsRejected(tool.label, log_url)
    if link.purpose == "connect":
        integration = _create_integration(session, link, tool, webhooks, now)
        link.integration_id = integration.id
        link.integration_tool = tool.id
        steps = link_steps(link)
        if steps:
            link.setup_step = steps[0]
            session.add(link)
            return None
    else:
        integration = get_integration(session, link.integration_id or "")
        # Kombo: relink's scope config applies once the reconnection completed.
        if link.scope_config_id is not None:
            integration.scope_config_id = link.scope_config_id
            session.add(integration)
        change_state(session, integration, webhooks, state="ACTIVE", now=now)
    return _finish(session, link, integration, now)


def submit_setup_step(
    session: Session,
    link: SandboxLink,
    choice: Choice,
    *,
    webhooks: WebhookSettings,
    now: datetime | None = None,
) -> SandboxActivationToken | None:
    """The end user made the choice of the link's current setup step: store it on
    the integration and go on to the next step, or complete the setup and return
    the activation token after the last one."""
    now = now or utc_now()
    integration = get_integration(session, link.integration_id or "")
    step = link.setup_step or ""
    store_choice(integration, step, choice)
    session.add(integration)
    following = step_after(integration_steps(integration), step)
    link.setup_step = following
    session.add(link)
    if following is not None:
        return None
    change_state(session, integration, webhooks, setup_status="COMPLETED", now=now)
    return _finish(session, link, integration, now)


def _create_integration(
    session: Session,
    link: SandboxLink,
    tool: SandboxTool,
    webhooks: WebhookSettings,
    now: datetime,
) -> SandboxIntegration:
    steps = link_steps(link)
    integration = SandboxIntegration(
        id=f"{tool.id}:{random_text(24)}",
        tool=tool.id,
        category=link.category,
        # Kombo: with filtering or field mapping enabled, setup starts INCOMPLETE.
        setup_status="INCOMPLETE" if steps else "COMPLETED",
        end_user_email=link.end_user_email,
        end_user_organization_name=link.end_user_organization_name,
        end_user_origin_id=link.end_user_origin_id,
        scope_config_id=link.scope_config_id,
        remote_environment=link.remote_environment,
        enable_filtering=link.enable_filtering,
        enable_field_mapping=link.enable_field_mapping,
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
    return integration


def _finish(
    session: Session, link: SandboxLink, integration: SandboxIntegration, now: datetime
) -> SandboxActivationToken:
    """The flow is over: the link is used, the activation token handed out."""
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
