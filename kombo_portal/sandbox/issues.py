"""Kombo's issues, raised and resolved by hand (control endpoints): each change is
announced with `issue-status-changed`, shaped as the SDK's
IssueStatusChangedWebhookPayload. An issue belongs to an integration, or to the
whole environment (`integration` null)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from kombo_portal.db.models import utc_now
from kombo_portal.sandbox.inputs import (
    SandboxError,
    input_invalid,
    reject_unknown_fields,
    require_object,
)
from kombo_portal.sandbox.models import SandboxIntegration, SandboxIssue, random_text
from kombo_portal.sandbox.outbox import WebhookSettings, enqueue_webhook
from kombo_portal.sandbox.payloads import end_user, iso

DEFAULT_TYPE = "integration.authentication_failed"
# Kombo adds issue types over time; only the default one has words of the sandbox's
# own, any other needs its title and message sent along.
DEFAULT_TEXTS = {
    DEFAULT_TYPE: (
        "Authentication failed",
        "Kombo could not sign in to the tool with the credentials it was given. "
        "Ask the customer to **reconnect** the integration with working credentials.",
    )
}
ISSUE_FIELDS = frozenset({"type", "title", "markdown_message"})
MAX_TYPE = 200
MAX_TITLE = 500
MAX_MESSAGE = 10_000


def raise_issue(
    session: Session,
    integration: SandboxIntegration | None,
    body: object,
    webhooks: WebhookSettings,
    now: datetime | None = None,
) -> SandboxIssue:
    """A new OPEN issue of `integration` (None: of the environment), announced."""
    fields = require_object(body)
    reject_unknown_fields(fields, ISSUE_FIELDS)
    issue_type = _text(fields, "type", DEFAULT_TYPE, MAX_TYPE)
    default_title, default_message = DEFAULT_TEXTS.get(issue_type, (None, None))
    now = now or utc_now()
    issue = SandboxIssue(
        id=random_text(24),
        integration_id=integration.id if integration else None,
        type=issue_type,
        title=_text(fields, "title", default_title, MAX_TITLE),
        markdown_message=_text(fields, "markdown_message", default_message, MAX_MESSAGE),
        status="OPEN",
        first_observed_at=now,
    )
    session.add(issue)
    _announce(session, issue, "raised", integration, webhooks, now)
    return issue


def resolve_issue(
    session: Session, issue_id: str, webhooks: WebhookSettings, now: datetime | None = None
) -> SandboxIssue:
    """The OPEN issue `issue_id` resolved (first_observed_at kept), announced."""
    issue = session.get(SandboxIssue, issue_id, with_for_update=True)
    if issue is None:
        message = f"No issue with the id {issue_id[:64]!r}."
        raise SandboxError(404, "PLATFORM.INPUT_INVALID", message)
    if issue.status == "RESOLVED":
        raise input_invalid(f"The issue {issue_id!r} is already resolved.")
    now = now or utc_now()
    issue.status = "RESOLVED"
    issue.resolved_at = now
    session.add(issue)
    # An issue outlives a deleted integration: it still names it.
    integration = (
        session.get(SandboxIntegration, issue.integration_id) if issue.integration_id else None
    )
    _announce(session, issue, "resolved", integration, webhooks, now)
    return issue


def issue_data(issue: SandboxIssue) -> dict[str, object]:
    return {
        "id": issue.id,
        "type": issue.type,
        "title": issue.title,
        "status": issue.status,
        "markdown_message": issue.markdown_message,
        "first_observed_at": iso(issue.first_observed_at),
        "resolved_at": iso(issue.resolved_at),
    }


def _announce(
    session: Session,
    issue: SandboxIssue,
    change: str,
    integration: SandboxIntegration | None,
    webhooks: WebhookSettings,
    now: datetime,
) -> None:
    enqueue_webhook(
        session,
        webhooks,
        "issue-status-changed",
        {
            "change": change,
            "issue": issue_data(issue),
            "integration": None
            if integration is None
            else {
                "id": integration.id,
                "tool": integration.tool,
                "category": integration.category,
                "end_user": end_user(integration),
            },
        },
        now,
    )


def _text(fields: dict[str, object], name: str, default: str | None, max_length: int) -> str:
    value = fields.get(name, default)
    if value is None:
        raise input_invalid(f"{name}: is required for an issue type other than {DEFAULT_TYPE}.")
    if not isinstance(value, str) or not value.strip():
        raise input_invalid(f"{name}: must be a non-empty string.")
    if len(value) > max_length:
        raise input_invalid(f"{name}: at most {max_length} characters.")
    return value
