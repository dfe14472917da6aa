"""The Integrations page's view of one category: what its card knows and what it shows.

`CardFacts` is what the database says (kept on the server, so a card can be drawn
again in another language or with a flow open, without a query); `CardView` is the
card as one reader sees it, in their language, with the one state and the one
primary action that records.card_states decides. Plain data, no Reflex.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kombo_portal.db.models import FlowFailure, Integration, as_utc
from kombo_portal.i18n import category_name, format_date, translate
from kombo_portal.kombo.models import IntegrationCategory
from kombo_portal.records.card_states import (
    CardAction,
    CardState,
    card_state,
    failed_since_connected,
    primary_action,
    shown_state,
)
from kombo_portal.records.integrations import tool_display_name

CATEGORIES = {category.value for category in IntegrationCategory}

# How each state looks besides its words: a colour, never alone (the badge has a
# label, and the page an icon per state).
STATE_COLOURS = {
    CardState.NOT_CONNECTED: "gray",
    CardState.CONNECTING: "blue",
    CardState.ACTIVE: "green",
    CardState.SETUP_INCOMPLETE: "amber",
    CardState.NEEDS_RECONNECTION: "red",
    CardState.DISABLED: "gray",
    CardState.FAILED: "red",
    CardState.REMOVED: "gray",
}

# Explanations that tell an admin what to do, said to members (who have no buttons)
# in words of their own: who can do it.
MEMBER_EXPLANATIONS = {
    CardState.NOT_CONNECTED: "card.not_connected.member_explanation",
    CardState.SETUP_INCOMPLETE: "card.setup_incomplete.member_explanation",
    CardState.NEEDS_RECONNECTION: "card.needs_reconnection.member_explanation",
    CardState.DISABLED: "card.disabled.member_explanation",
    CardState.FAILED: "card.failed.member_explanation",
    CardState.REMOVED: "card.removed.member_explanation",
}

# The words of each primary action (a catalogue key; `{category}` where it names one).
PRIMARY_LABELS = {
    CardAction.CONNECT: "action.connect",
    CardAction.CONNECT_AGAIN: "action.connect_again",
    CardAction.TRY_AGAIN: "action.try_again",
    CardAction.RECONNECT: "action.reconnect",
    CardAction.FINISH_SETUP: "action.finish_setup",
    CardAction.ENABLE: "action.enable",
}


@dataclass(frozen=True)
class CardFacts:
    """What a category's card needs from the database."""

    category: str
    state: CardState  # as the database has it (a flow open on the page comes on top)
    integration_id: str = ""  # the live integration's record id; "" when none
    tool_label: str = ""  # of the live integration, else of the latest removed one
    logo_url: str = ""
    connected_by: str = ""  # a person's name; "" when Kombo's webhook brought it
    connected_at: datetime | None = None
    removed_at: datetime | None = None
    failed_tool: str = ""  # the tool of the latest failed flow not followed by success
    failed_at: datetime | None = None
    failure_log_url: str = ""
    # A flow failed after the live integration was connected (a failed reconnect).
    failed_since_connected: bool = False

    @property
    def live(self) -> bool:
        return self.integration_id != ""


@dataclass(frozen=True)
class CardView:
    """One card as its reader sees it: every text in their language, flags as booleans."""

    category: str
    title: str
    description: str
    state: CardState
    status_text: str
    status_colour: str
    explanation: str
    connected: bool
    integration_id: str
    tool_label: str
    logo_url: str
    details: str  # who connected it and when
    primary: CardAction
    primary_label: str
    busy: bool  # this page has a Connect flow opening or open for the card
    can_invite: bool
    can_reconnect: bool
    can_disable: bool
    log_url: str  # Kombo's log of a failure (admins only)
    disconnect_title: str
    disconnect_description: str


def card_facts(
    category: str,
    live: Integration | None,
    people: dict[str, str],
    failure: FlowFailure | None = None,
    removed: Integration | None = None,
) -> CardFacts:
    shown = live or removed
    return CardFacts(
        category=category,
        state=card_state(live, failure, removed),
        integration_id=live.id if live else "",
        tool_label=shown.tool_label if shown else "",
        logo_url=(live.tool_logo_url or "") if live else "",
        connected_by=people.get(live.connected_by_user_id or "", "") if live else "",
        connected_at=as_utc(live.connected_at) if live else None,
        removed_at=as_utc(removed.removed_at) if removed and removed.removed_at else None,
        failed_tool=tool_display_name(failure.tool_id) if failure else "",
        failed_at=as_utc(failure.failed_at) if failure else None,
        failure_log_url=(failure.log_url or "") if failure else "",
        failed_since_connected=failed_since_connected(live, failure),
    )


def card_view(
    facts: CardFacts,
    language: str,
    *,
    is_admin: bool = True,
    flow_open: bool = False,
    flow_opened_at: datetime | None = None,
) -> CardView:
    """What one card shows, in `language`. `is_admin`: whether the reader can act (a
    member's explanation says who can, and members get no log links).
    `flow_opened_at`: when the open flow (if any) started."""
    resting = facts.state
    failed_since = (
        flow_open
        and facts.failed_at is not None
        and facts.failed_at > (flow_opened_at or facts.failed_at)
    )
    state = shown_state(resting, flow_open=flow_open, failed_since=failed_since)
    category = facts.category
    tool = facts.tool_label or facts.failed_tool
    primary = primary_action(resting)

    def t(key: str, **params: object) -> str:
        return translate(language, key, **params)

    def date(moment: datetime | None) -> str:
        return format_date(language, moment) if moment else ""

    explanation_params: dict[str, object] = {}
    if resting is CardState.FAILED:
        explanation_params = {"tool": facts.failed_tool}
    if state is CardState.REMOVED:
        explanation_params = {"tool": tool, "date": date(facts.removed_at)}
    explanation_key = f"card.{state.value}.explanation"
    # A failed attempt to reconnect a working integration: it still works, say so.
    noted_failure = state is CardState.ACTIVE and facts.failed_since_connected
    if noted_failure:
        explanation_key = "card.active.after_failed_attempt"
        explanation_params = {"tool": tool}
    if not is_admin:
        explanation_key = MEMBER_EXPLANATIONS.get(state, explanation_key)
    live = facts.live
    shows_log = is_admin and (resting is CardState.FAILED or noted_failure)
    return CardView(
        category=category,
        title=t(f"category.{category}.title") if category in CATEGORIES else category,
        description=t(f"category.{category}.description") if category in CATEGORIES else "",
        state=state,
        status_text=t(f"card.{state.value}.label"),
        status_colour=STATE_COLOURS[state],
        explanation=t(explanation_key, **explanation_params),
        connected=live,
        integration_id=facts.integration_id,
        tool_label=facts.tool_label if live else "",
        logo_url=facts.logo_url,
        details=t(
            "card.connected_by",
            who=facts.connected_by or t("activity.kombo"),
            date=date(facts.connected_at),
        )
        if live
        else "",
        primary=primary,
        primary_label=t(PRIMARY_LABELS[primary], category=category_name(category))
        if primary in PRIMARY_LABELS
        else "",
        busy=flow_open,
        # Secondary actions: whatever the primary one is not.
        can_invite=not live,
        can_reconnect=live and primary is not CardAction.RECONNECT,
        can_disable=live and resting is not CardState.DISABLED,
        log_url=facts.failure_log_url if shows_log else "",
        disconnect_title=t("dialog.disconnect.title", tool=tool) if live else "",
        disconnect_description=t("dialog.disconnect.description", tool=tool) if live else "",
    )
