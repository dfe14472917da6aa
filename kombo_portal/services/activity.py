"""The organisation's activity log: what its admins did and what Kombo reported,
newest first. It says who, when and what in plain words; it never shows secrets."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from kombo_portal.db.models import (
    ConnectAttempt,
    Integration,
    WebhookEvent,
    as_utc,
)
from kombo_portal.services.integrations import clean_text, people_names, tool_display_name

KOMBO = "Kombo"
# Kombo's news that the log shows (data activity and other types are not its business).
LOGGED_EVENT_TYPES = (
    "integration-created",
    "integration-deleted",
    "integration-state-changed",
    "connection-flow-failed",
)
PAGE_SIZE = 20

_DONE = {
    "connect": "Connected {subject}",
    "reconnect": "Reconnected {subject}",
    "setup": "Finished the setup of {subject}",
    "disconnect": "Disconnected {subject}",
    "enable": "Enabled {subject}",
    "disable": "Disabled {subject}",
    "invite": "Invited a colleague to connect {subject}",
    "revoke": "Revoked an invitation to connect {subject}",
}
_VERBS = {
    "connect": "connecting",
    "reconnect": "reconnecting",
    "setup": "finishing the setup of",
    "disconnect": "disconnecting",
    "enable": "enabling",
    "disable": "disabling",
    "invite": "inviting a colleague to connect",
    "revoke": "revoking an invitation to connect",
}
_STATES = {
    "INVALID": "{tool}'s credentials stopped working: it needs reconnection",
    "ACTIVE": "{tool} is active",
    "INACTIVE": "{tool} is disabled",
}


@dataclass(frozen=True)
class ActivityEntry:
    at: datetime
    who: str
    what: str
    log_url: str | None = None


def activity_page(
    session: Session, organisation_id: str, page: int = 0, page_size: int = PAGE_SIZE
) -> tuple[list[ActivityEntry], bool]:
    """One page of the log (page 0 is the newest) and whether older entries exist."""
    page = max(0, page)
    wanted = (page + 1) * page_size + 1
    tools = {
        integration.kombo_integration_id: integration.tool_label
        for integration in session.exec(
            select(Integration).where(Integration.organisation_id == organisation_id)
        )
    }
    names = people_names(session, organisation_id)
    entries = [
        *_attempt_entries(session, organisation_id, wanted, tools, names),
        *_kombo_entries(session, organisation_id, wanted, tools),
    ]
    entries.sort(key=lambda entry: entry.at, reverse=True)
    start = page * page_size
    return entries[start : start + page_size], len(entries) > start + page_size


def _attempt_entries(session, organisation_id, limit, tools, names) -> list[ActivityEntry]:
    attempts = session.exec(
        select(ConnectAttempt)
        .where(ConnectAttempt.organisation_id == organisation_id)
        .where(ConnectAttempt.outcome != "started")
        .order_by(ConnectAttempt.started_at.desc())  # type: ignore[attr-defined]
        .limit(limit)
    ).all()
    entries = []
    for attempt in attempts:
        subject = tools.get(attempt.kombo_integration_id or "", attempt.category)
        verb = _VERBS.get(attempt.action, attempt.action)
        if attempt.outcome in ("connected", "done"):
            what = _DONE.get(attempt.action, "{subject}").format(subject=subject)
        elif attempt.outcome == "cancelled":
            what = f"Cancelled {verb} {subject}"
        elif attempt.outcome == "refused":
            what = f"Refused {verb} {subject}"
        else:
            what = f"{verb.capitalize()} {subject} failed"
        entries.append(
            ActivityEntry(
                at=as_utc(attempt.finished_at or attempt.started_at),
                who=names.get(attempt.user_id or "", "Someone"),
                what=what,
                log_url=attempt.log_url,
            )
        )
    return entries


def _kombo_entries(session, organisation_id, limit, tools) -> list[ActivityEntry]:
    events = session.exec(
        select(WebhookEvent)
        .where(WebhookEvent.organisation_id == organisation_id)
        .where(WebhookEvent.applied_at.is_not(None))  # type: ignore[union-attr]
        .where(WebhookEvent.type.in_(LOGGED_EVENT_TYPES))  # type: ignore[attr-defined]
        .order_by(WebhookEvent.received_at.desc())  # type: ignore[attr-defined]
        .limit(limit)
    ).all()
    entries = []
    for event in events:
        data = json.loads(event.body).get("data", {})
        tool = tools.get(event.kombo_integration_id or "") or _tool_name(data)
        log_url = None
        if event.type == "integration-created":
            what = f"{tool} was connected"
        elif event.type == "integration-deleted":
            what = f"{tool} was deleted in Kombo"
        elif event.type == "integration-state-changed":
            state = clean_text(data.get("state"), 32) or ""
            what = _STATES.get(state, f"{tool}'s state is {state.lower() or 'unknown'}")
            what = what.format(tool=tool)
        elif event.type == "connection-flow-failed":
            what = f"An attempt to connect {tool} failed"
            log_url = clean_text(data.get("log_url"), 2000)
        else:
            continue
        entries.append(
            ActivityEntry(at=as_utc(event.received_at), who=KOMBO, what=what, log_url=log_url)
        )
    return entries


def _tool_name(data: dict) -> str:
    tool = clean_text(data.get("tool") or data.get("integration_tool"), 100)
    return tool_display_name(tool) if tool else "An integration"
