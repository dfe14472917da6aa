"""Kombo's issues with an integration (`issue-status-changed`): its early warning that
something is wrong, often days before the integration's state turns INVALID, and
its news that the issue is resolved.

One row per Kombo issue id. An issue comes in episodes: Kombo raises it (first
observed at T), resolves it, and may raise it again later, observed anew. Webhooks
arrive at least once and in any order, so news is applied by episode (its
`first_observed_at`):

- news of a newer episode than the stored one replaces it (a new `raised` reopens);
- `resolved` of the stored episode resolves it;
- `raised` of the stored episode refreshes the words of an open issue, but never
  reopens a resolved one: it is a late delivery of what came before the resolution;
- news of an older episode changes nothing.

Kombo's message is cut (with "…") to what its column holds rather than refused: the
warning matters more than its last paragraphs, and the inbox keeps the whole event.
Every other field that cannot be stored as it is makes the event unusable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from kombo_portal.db.columns import column_length, storable_text
from kombo_portal.db.models import Integration, IntegrationIssue, as_utc, utc_now
from kombo_portal.records.integrations import lock_integration, parse_moment
from kombo_portal.records.versions import bump_version

ISSUE_EVENT_TYPE = "issue-status-changed"
OPEN = "OPEN"
RESOLVED = "RESOLVED"
# Why Kombo sent the webhook -> the status the issue has after it.
STATUS_AFTER = {"raised": OPEN, "resolved": RESOLVED}
ISSUE_ID_LENGTH = column_length(IntegrationIssue.id)
MESSAGE_LENGTH = column_length(IntegrationIssue.markdown_message)
CUT_MARK = "…"


class UnusableIssue(ValueError):
    """An `issue-status-changed` event whose issue cannot be recorded as it is; the
    message says which field (it becomes the inbox's flag)."""


class IssueOfAnotherIntegration(Exception):
    """Kombo's issue id is recorded for another integration than the event names."""


@dataclass(frozen=True)
class IssueNews:
    """What one `issue-status-changed` event says about its issue, checked."""

    issue_id: str
    type: str
    title: str
    message: str
    status: str  # OPEN or RESOLVED
    first_observed_at: datetime
    resolved_at: datetime | None


def read_issue_news(data: Mapping[str, object]) -> IssueNews:
    """The issue an event's data describes; raises UnusableIssue naming the first field
    that is missing, of the wrong type, too long or not one of Kombo's values."""
    change = data.get("change")
    status_after = STATUS_AFTER.get(change) if isinstance(change, str) else None
    if status_after is None:
        raise UnusableIssue("no usable change (raised or resolved)")
    issue = data.get("issue")
    if not isinstance(issue, dict):
        raise UnusableIssue("no usable issue")
    issue_id = storable_text(issue.get("id"), ISSUE_ID_LENGTH)
    if issue_id is None:
        raise UnusableIssue("no usable issue.id")
    issue_type = storable_text(issue.get("type"), column_length(IntegrationIssue.type))
    if issue_type is None:
        raise UnusableIssue("no usable issue.type")
    title = storable_text(issue.get("title"), column_length(IntegrationIssue.title))
    if title is None:
        raise UnusableIssue("no usable issue.title")
    message = _storable_message(issue.get("markdown_message"))
    if message is None:
        raise UnusableIssue("no usable issue.markdown_message")
    status = issue.get("status")
    if status not in (OPEN, RESOLVED):
        raise UnusableIssue("no usable issue.status (OPEN or RESOLVED)")
    if status != status_after:
        raise UnusableIssue("issue.status contradicts change")
    first_observed_at = parse_moment(issue.get("first_observed_at"))
    if first_observed_at is None:
        raise UnusableIssue("no usable issue.first_observed_at")
    resolved_value = issue.get("resolved_at")
    resolved_at = parse_moment(resolved_value)
    if resolved_value is not None and resolved_at is None:
        raise UnusableIssue("no usable issue.resolved_at")
    return IssueNews(
        issue_id=issue_id,
        type=issue_type,
        title=title,
        message=message,
        status=status_after,
        first_observed_at=first_observed_at,
        # An open issue has none, whatever the event says.
        resolved_at=resolved_at if status_after == RESOLVED else None,
    )


def _storable_message(value: object) -> str | None:
    """Kombo's message, cut to the column's width if longer; None if it is no text a
    database can store (not a string, NUL, lone surrogates). Empty is a message."""
    if not isinstance(value, str):
        return None
    if len(value) > MESSAGE_LENGTH:
        value = value[: MESSAGE_LENGTH - len(CUT_MARK)] + CUT_MARK
    return storable_text(value, MESSAGE_LENGTH, blank=True)


def record_issue_news(
    session: Session, integration: Integration, news: IssueNews, now: datetime | None = None
) -> bool:
    """Apply Kombo's news about one of `integration`'s issues (the module's rules);
    False when it changed nothing, being older than what is stored. Raises
    IssueOfAnotherIntegration, writing nothing, if the issue is another's."""
    now = now or utc_now()
    lock_integration(session, integration.kombo_integration_id)
    stored = session.get(IntegrationIssue, news.issue_id)
    if stored is not None and stored.integration_id != integration.id:
        raise IssueOfAnotherIntegration(news.issue_id)
    if stored is None:
        stored = IntegrationIssue(
            id=news.issue_id,
            integration_id=integration.id,
            organisation_id=integration.organisation_id,
            type=news.type,
            title=news.title,
            markdown_message=news.message,
            status=news.status,
            first_observed_at=news.first_observed_at,
        )
    elif not is_news(stored, news):
        return False
    stored.type, stored.title, stored.markdown_message = news.type, news.title, news.message
    stored.status = news.status
    stored.first_observed_at = news.first_observed_at
    stored.resolved_at = (news.resolved_at or now) if news.status == RESOLVED else None
    stored.updated_at = now
    session.add(stored)
    bump_version(session, integration.organisation_id)
    return True


def is_news(stored: IntegrationIssue, news: IssueNews) -> bool:
    """Whether `news` changes the stored issue (see the module's rules)."""
    stored_episode = as_utc(stored.first_observed_at)
    if news.first_observed_at != stored_episode:
        return news.first_observed_at > stored_episode
    return news.status == RESOLVED or stored.status == OPEN


def open_issues(session: Session, organisation_id: str) -> dict[str, list[IntegrationIssue]]:
    """The organisation's open issues by integration record id, oldest first."""
    issues: dict[str, list[IntegrationIssue]] = {}
    for issue in session.exec(
        select(IntegrationIssue)
        .where(IntegrationIssue.organisation_id == organisation_id)
        .where(IntegrationIssue.status == OPEN)
        .order_by(col(IntegrationIssue.first_observed_at), col(IntegrationIssue.id))
    ):
        issues.setdefault(issue.integration_id, []).append(issue)
    return issues
