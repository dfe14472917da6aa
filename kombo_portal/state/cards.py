"""The Integrations page's view of one category: what its card knows and what it shows.

`CardFacts` is what the database says (kept on the server, so a card can be drawn
again in another language or with a flow open, without a query); `CardView` is the
card as one reader sees it, in their language, with the one state and the one
primary action that records.card_states decides. Plain data, no Reflex.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from kombo_portal.db.models import FlowFailure, Integration, IntegrationIssue, as_utc
from kombo_portal.i18n import category_name, format_date, text_in, translate
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
from kombo_portal.use_cases.connect import ConnectOptions
from kombo_portal.use_cases.page_data import PageData

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
class IssueFacts:
    """One of Kombo's open issues with the card's integration."""

    id: str  # Kombo's issue id
    title: str  # Kombo's, for customers
    message: str  # Kombo's markdown: what is wrong and how to fix it (for admins)
    first_observed_at: datetime


@dataclass(frozen=True)
class IssueView:
    """An open issue as its reader sees it. `detail` is plain text (Kombo's message for
    admins, who can act; for members, who can)."""

    id: str
    label: str  # "Warning", in the reader's words
    title: str
    detail: str
    noticed: str  # when Kombo first observed it


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
    # The deployment connects this category with setup steps (filter, field mapping):
    # a completed setup can be changed.
    has_setup_steps: bool = False
    # The addresses Kombo calls the customer's system from (static IPs), to allowlist.
    static_ips: tuple[str, ...] = ()
    # Kombo's open issues with the live integration, oldest first.
    issues: tuple[IssueFacts, ...] = ()

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
    can_change_setup: bool  # a completed setup's steps can be run again
    static_ips: list[str]
    issues: list[IssueView]  # Kombo's open issues, each with a warning
    log_url: str  # Kombo's log of a failure (admins only)
    disconnect_title: str
    disconnect_description: str


def page_card_facts(
    page: PageData, categories: Sequence[str], options: ConnectOptions
) -> list[CardFacts]:
    """Each offered category's card, from one read of the page."""
    seen, removed = page.overview, page.removed
    by_category = {integration.category: integration for integration in seen.integrations}
    return [
        card_facts(
            category,
            by_category.get(category),
            seen.people,
            seen.failures.get(category),
            removed.get(category),
            has_setup_steps=options.has_setup_steps(category),
            # Shown while the deployment asks Kombo for static IPs.
            static_ips=seen.static_ips.get(category, ()) if options.enable_static_ips else (),
            open_issues=seen.issues,
        )
        for category in categories
    ]


def category_of(cards: Sequence[CardView], integration_id: str) -> str:
    """The category of the card showing `integration_id` ("" if none does)."""
    return next((card.category for card in cards if card.integration_id == integration_id), "")


def broken_names(facts: Sequence[CardFacts], language: str) -> str:
    """The integrations that need reconnection, for the banner above the cards."""
    return ", ".join(
        f"{card.tool_label} ({text_in(language, category_name(card.category))})"
        for card in facts
        if card.state is CardState.NEEDS_RECONNECTION
    )


def card_facts(
    category: str,
    live: Integration | None,
    people: dict[str, str],
    failure: FlowFailure | None = None,
    removed: Integration | None = None,
    *,
    has_setup_steps: bool = False,
    static_ips: tuple[str, ...] = (),
    open_issues: Mapping[str, Sequence[IntegrationIssue]] | None = None,
) -> CardFacts:
    """`open_issues`: the organisation's open issues by integration record id
    (records.issues.open_issues); the card shows its live integration's."""
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
        has_setup_steps=has_setup_steps,
        static_ips=static_ips,
        issues=tuple(
            IssueFacts(
                id=issue.id,
                title=issue.title,
                message=issue.markdown_message,
                first_observed_at=as_utc(issue.first_observed_at),
            )
            for issue in (open_issues or {}).get(live.id, ())
        )
        if live
        else (),
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
        can_change_setup=live and resting is CardState.ACTIVE and facts.has_setup_steps,
        static_ips=list(facts.static_ips),
        issues=issue_views(facts, language, is_admin=is_admin),
        log_url=facts.failure_log_url if shows_log else "",
        disconnect_title=t("dialog.disconnect.title", tool=tool) if live else "",
        disconnect_description=t("dialog.disconnect.description", tool=tool) if live else "",
    )


def issue_views(facts: CardFacts, language: str, *, is_admin: bool) -> list[IssueView]:
    """The card's open issues in `language`: admins read Kombo's message (plain text,
    never markup), members that an admin can look into it."""
    if not facts.live:
        return []
    member_detail = translate(language, "card.issue.member_detail")
    return [
        IssueView(
            id=issue.id,
            label=translate(language, "card.issue.label"),
            title=issue.title,
            detail=issue.message if is_admin else member_detail,
            noticed=translate(
                language, "card.issue.noticed", date=format_date(language, issue.first_observed_at)
            ),
        )
        for issue in facts.issues
    ]
