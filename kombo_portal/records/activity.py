"""The organisation's activity log: what its admins did and what Kombo reported,
newest first. It says who, when and what in plain words; it never shows secrets."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from kombo_portal.db.columns import column_length, storable_text
from kombo_portal.db.models import (
    ConnectAttempt,
    FlowFailure,
    Integration,
    IntegrationIssue,
    WebhookEvent,
    as_utc,
)
from kombo_portal.i18n import DEFAULT_LANGUAGE, TextKey, category_name, translate
from kombo_portal.records.integrations import tool_display_name
from kombo_portal.records.issues import ISSUE_EVENT_TYPE
from kombo_portal.records.overview import people_names
from kombo_portal.records.sync_failures import recent_sync_failures

KOMBO = "Kombo"
# Kombo's news that the log shows (data activity and other types are not its business).
LOGGED_EVENT_TYPES = (
    "integration-created",
    "integration-deleted",
    "integration-state-changed",
    "connection-flow-failed",
    ISSUE_EVENT_TYPE,
)
PAGE_SIZE = 20

# What admins do; each has a message per outcome: activity.<action>.<outcome>.
ACTIONS = ("connect", "reconnect", "setup", "disconnect", "enable", "disable", "invite", "revoke")
# How an attempt ended -> the outcome its message names.
_OUTCOMES = {"connected": "done", "done": "done", "cancelled": "cancelled", "refused": "refused"}
# Why Kombo sent an issue's webhook -> what the log says.
_ISSUE_CHANGES = {
    "raised": "activity.kombo.issue_raised",
    "resolved": "activity.kombo.issue_resolved",
}
_STATES = {
    "INVALID": "activity.kombo.invalid",
    "ACTIVE": "activity.kombo.active",
    "INACTIVE": "activity.kombo.inactive",
}


@dataclass(frozen=True)
class ActivityEntry:
    """One line of the log. Its words are catalogue keys and parameters (shown in the
    reader's language, see kombo_portal.i18n); `who` and `what` are English."""

    at: datetime
    # A person's name; empty when `who_key` names who it was (Kombo, someone unknown).
    who_name: str
    what_key: str
    what_params: dict[str, str] = field(default_factory=dict)
    log_url: str | None = None
    who_key: str = "activity.someone"

    def who_in(self, language: str) -> str:
        return self.who_name or translate(language, self.who_key)

    def what_in(self, language: str) -> str:
        return translate(language, self.what_key, **self.what_params)

    @property
    def who(self) -> str:
        return self.who_in(DEFAULT_LANGUAGE)

    @property
    def what(self) -> str:
        return self.what_in(DEFAULT_LANGUAGE)


def activity_page(
    session: Session,
    organisation_id: str,
    page: int = 0,
    page_size: int = PAGE_SIZE,
    *,
    every: Iterable[Integration] | None = None,
    people: dict[str, str] | None = None,
) -> tuple[list[ActivityEntry], bool]:
    """One page of the log (page 0 is the newest) and whether older entries exist.
    `every` (the organisation's integrations, removed ones too) and `people`: if
    already read."""
    page = max(0, page)
    wanted = (page + 1) * page_size + 1
    if every is None:
        every = session.exec(
            select(Integration).where(Integration.organisation_id == organisation_id)
        )
    tools = {integration.kombo_integration_id: integration.tool_label for integration in every}
    names = people if people is not None else people_names(session, organisation_id)
    entries = [
        *_attempt_entries(session, organisation_id, wanted, tools, names),
        *_kombo_entries(session, organisation_id, wanted, tools),
        *_sync_failure_entries(session, organisation_id, wanted, tools),
    ]
    entries.sort(key=lambda entry: entry.at, reverse=True)
    start = page * page_size
    return entries[start : start + page_size], len(entries) > start + page_size


def _attempt_entries(session, organisation_id, limit, tools, names) -> list[ActivityEntry]:
    attempts = session.exec(
        select(ConnectAttempt)
        .where(ConnectAttempt.organisation_id == organisation_id)
        .where(ConnectAttempt.outcome != "started")
        .order_by(col(ConnectAttempt.started_at).desc())
        .limit(limit)
    ).all()
    entries = []
    for attempt in attempts:
        subject = tools.get(attempt.kombo_integration_id or "") or category_name(attempt.category)
        outcome = _OUTCOMES.get(attempt.outcome, "failed")
        known = attempt.action in ACTIONS
        entries.append(
            ActivityEntry(
                at=as_utc(attempt.finished_at or attempt.started_at),
                who_name=names.get(attempt.user_id or "", ""),
                what_key=f"activity.{attempt.action if known else 'other'}.{outcome}",
                what_params={"subject": subject, "action": attempt.action},
                log_url=attempt.log_url,
            )
        )
    return entries


def _kombo_entries(session, organisation_id, limit, tools) -> list[ActivityEntry]:
    events = session.exec(
        select(WebhookEvent)
        .where(WebhookEvent.organisation_id == organisation_id)
        .where(col(WebhookEvent.applied_at).is_not(None))
        .where(col(WebhookEvent.type).in_(LOGGED_EVENT_TYPES))
        .order_by(col(WebhookEvent.received_at).desc())
        .limit(limit)
    ).all()
    entries = []
    for event in events:
        data = json.loads(event.body).get("data", {})
        tool = tools.get(event.kombo_integration_id or "") or _tool_name(data)
        log_url = None
        params = {"tool": tool}
        if event.type == "integration-created":
            key = "activity.kombo.created"
        elif event.type == "integration-deleted":
            key = "activity.kombo.deleted"
        elif event.type == "integration-state-changed":
            state = storable_text(data.get("state"), column_length(Integration.state)) or ""
            key = _STATES.get(
                state, "activity.kombo.other_state" if state else "activity.kombo.unknown_state"
            )
            params["state"] = state.lower()
        elif event.type == "connection-flow-failed":
            key = "activity.kombo.flow_failed"
            log_url = storable_text(data.get("log_url"), column_length(FlowFailure.log_url))
        elif event.type == ISSUE_EVENT_TYPE:
            # Applied, so its fields were checked (records.issues).
            issue, change = data.get("issue") or {}, str(data.get("change"))
            key = _ISSUE_CHANGES.get(change, "activity.kombo.issue_raised")
            params["title"] = (
                storable_text(issue.get("title"), column_length(IntegrationIssue.title)) or ""
            )
        else:
            continue
        entries.append(
            ActivityEntry(
                at=as_utc(event.received_at),
                who_name="",
                who_key="activity.kombo",
                what_key=key,
                what_params=params,
                log_url=log_url,
            )
        )
    return entries


def _sync_failure_entries(session, organisation_id, limit, tools) -> list[ActivityEntry]:
    return [
        ActivityEntry(
            at=as_utc(failure.reported_at),
            who_name="",
            who_key="activity.kombo",
            what_key="activity.kombo.sync_not_succeeded",
            what_params={
                "tool": tools.get(failure.kombo_integration_id)
                or TextKey("activity.an_integration"),
                "state": failure.sync_state,
            },
            log_url=failure.log_url,
        )
        for failure in recent_sync_failures(session, organisation_id, limit)
    ]


def _tool_name(data: dict) -> str:
    tool = storable_text(
        data.get("tool") or data.get("integration_tool"), column_length(Integration.tool_id)
    )
    return tool_display_name(tool) if tool else TextKey("activity.an_integration")
