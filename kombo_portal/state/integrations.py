"""The Integrations page: the cards, and the connect flow's three steps."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

import reflex as rx

from kombo_portal.backend import current_backend
from kombo_portal.db.models import FlowFailure, Integration, as_utc, utc_now
from kombo_portal.db.threads import in_database_thread
from kombo_portal.i18n import category_name, format_date, format_moment, text_in, translate
from kombo_portal.kombo.models import IntegrationCategory
from kombo_portal.services import invitations, lifecycle
from kombo_portal.services.accounts import set_language
from kombo_portal.services.card_states import (
    CardAction,
    CardState,
    card_state,
    failed_since_connected,
    primary_action,
    shown_state,
)
from kombo_portal.services.connect import (
    NOT_CONFIRMED,
    ConnectProblem,
    ConnectStart,
    abandon_connect,
    close_attempt_in_thread,
    finish_connect,
    start_connect,
)
from kombo_portal.services.integrations import tool_display_name
from kombo_portal.services.page_data import Activity, read_activity, read_page
from kombo_portal.services.sessions import SignedInUser
from kombo_portal.state import inputs
from kombo_portal.state.auth import AuthState

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


def card_facts(
    category: str,
    live: Integration | None,
    people: dict[str, str],
    failure: FlowFailure | None = None,
    removed: Integration | None = None,
) -> dict[str, str]:
    """What a card needs from the database, as plain strings: kept (server side) so the
    card can be drawn again in another language or with a flow open, without a query."""
    shown = live or removed
    return {
        "category": category,
        "state": card_state(live, failure, removed).value,
        "integration_id": live.id if live else "",
        "tool_label": shown.tool_label if shown else "",
        "logo_url": (live.tool_logo_url or "") if live else "",
        "connected_by": people.get(live.connected_by_user_id or "", "") if live else "",
        "connected_at": as_utc(live.connected_at).isoformat() if live else "",
        "removed_at": as_utc(removed.removed_at).isoformat()
        if removed and removed.removed_at
        else "",
        "failed_tool": tool_display_name(failure.tool_id) if failure else "",
        "failed_at": as_utc(failure.failed_at).isoformat() if failure else "",
        "failure_log_url": (failure.log_url or "") if failure else "",
        "failed_since_connected": "yes" if failed_since_connected(live, failure) else "",
    }


def card_view(
    facts: dict[str, str],
    language: str,
    *,
    is_admin: bool = True,
    flow_open: bool = False,
    flow_opened_at: str = "",
) -> dict[str, str]:
    """What one card shows, in `language`: its one state (label, explanation, colour),
    the integration it has or had, and its primary next action. `is_admin`: whether the
    reader can act (a member's explanation says who can). `flow_opened_at`: when the
    open flow (if any) started, as ISO 8601 UTC."""
    resting = CardState(facts["state"])
    failed_since = (
        flow_open
        and facts["failed_at"] != ""
        and datetime.fromisoformat(facts["failed_at"])
        > datetime.fromisoformat(flow_opened_at or facts["failed_at"])
    )
    state = shown_state(resting, flow_open=flow_open, failed_since=failed_since)
    live = facts["integration_id"] != ""
    category = facts["category"]
    tool = facts["tool_label"] or facts["failed_tool"]
    primary = primary_action(resting)

    def t(key: str, **params: object) -> str:
        return translate(language, key, **params)

    def date(iso: str) -> str:
        return format_date(language, datetime.fromisoformat(iso)) if iso else ""

    explanation_params = {"tool": facts["failed_tool"]} if resting is CardState.FAILED else {}
    if state is CardState.REMOVED:
        explanation_params = {"tool": tool, "date": date(facts["removed_at"])}
    explanation_key = f"card.{state.value}.explanation"
    # A failed attempt to reconnect a working integration: it still works, say so.
    noted_failure = state is CardState.ACTIVE and facts["failed_since_connected"] == "yes"
    if noted_failure:
        explanation_key = "card.active.after_failed_attempt"
        explanation_params = {"tool": tool}
    if not is_admin:
        explanation_key = MEMBER_EXPLANATIONS.get(state, explanation_key)
    primary_labels = {
        CardAction.CONNECT: t("action.connect", category=category_name(category)),
        CardAction.CONNECT_AGAIN: t("action.connect_again", category=category_name(category)),
        CardAction.TRY_AGAIN: t("action.try_again"),
        CardAction.RECONNECT: t("action.reconnect"),
        CardAction.FINISH_SETUP: t("action.finish_setup"),
        CardAction.ENABLE: t("action.enable"),
    }
    return {
        "category": category,
        "title": t(f"category.{category}.title") if category in CATEGORIES else category,
        "description": t(f"category.{category}.description") if category in CATEGORIES else "",
        "state": state.value,
        "status_text": t(f"card.{state.value}.label"),
        "status_colour": STATE_COLOURS[state],
        "explanation": t(explanation_key, **explanation_params),
        "connected": "yes" if live else "",
        "integration_id": facts["integration_id"],
        "tool_label": facts["tool_label"] if live else "",
        "logo_url": facts["logo_url"],
        "details": t(
            "card.connected_by",
            who=facts["connected_by"] or t("activity.kombo"),
            date=date(facts["connected_at"]),
        )
        if live
        else "",
        "primary": primary.value,
        "primary_label": primary_labels.get(primary, ""),
        "busy": "yes" if flow_open else "",
        # Secondary actions: whatever the primary one is not.
        "can_invite": "" if live else "yes",
        "can_reconnect": "yes" if live and primary is not CardAction.RECONNECT else "",
        "can_disable": "yes" if live and resting is not CardState.DISABLED else "",
        "log_url": facts["failure_log_url"] if resting is CardState.FAILED or noted_failure else "",
        "disconnect_title": t("dialog.disconnect.title", tool=tool) if live else "",
        "disconnect_description": t("dialog.disconnect.description", tool=tool) if live else "",
    }


class IntegrationsState(AuthState):
    cards: list[dict[str, str]] = []  # noqa: RUF012 (Reflex copies state defaults)
    # The banner above the cards naming the integrations that need reconnection.
    broken: str = ""
    activity: list[dict[str, str]] = []  # noqa: RUF012
    invitations: list[dict[str, str]] = []  # noqa: RUF012
    # The category the "Invite a colleague" dialog is open for ("" = closed).
    inviting: str = ""
    # The category it was last opened for: kept when it closes, so the focus can
    # return to that card's button.
    invite_opened_from: str = ""
    invite_title: str = ""
    invite_error: str = ""
    activity_page_number: int = 0
    activity_has_older: bool = False
    # The category whose link is being created, whose flow is open, or that is being
    # changed (disconnect, enable, disable): the page's buttons wait meanwhile.
    connecting: str = ""
    connect_link: str = ""
    notice: str = ""
    error: str = ""
    error_log_url: str = ""
    # Backend only: never sent to the browser.
    _attempt_id: str = ""
    _version: int = -1  # the organisation's version the cards show
    _facts: list[dict[str, str]] = []  # noqa: RUF012 (per card: see card_facts)
    _flow_category: str = ""  # the card a Connect flow is opening or open for
    _flow_opened_at: str = ""  # when, ISO 8601 UTC

    async def _load_cards(self, organisation_id: str) -> None:
        backend = current_backend()
        page = await in_database_thread(
            read_page, backend.engine, organisation_id, self.activity_page_number
        )
        self._version = page.version
        seen, removed, links = page.overview, page.removed, page.invitations
        by_category = {integration.category: integration for integration in seen.integrations}
        self._facts = [
            card_facts(
                category.value,
                by_category.get(category.value),
                seen.people,
                seen.failures.get(category.value),
                removed.get(category.value),
            )
            for category in backend.settings.portal_categories
        ]
        self._show_cards()
        self._show_activity(page.activity)
        self.invitations = [
            {
                "id": link.id,
                "category": link.category,
                "email": link.colleague_email,
                "url": link.url,
                "label": self._t(
                    "invitation.row",
                    email=link.colleague_email,
                    date=format_date(self.language, as_utc(link.created_at)),
                ),
            }
            for link in links
        ]

    def _show_cards(self) -> None:
        """Draw the cards from their facts, in the page's language."""
        self.cards = [
            card_view(
                facts,
                self.language,
                is_admin=self.is_admin,
                flow_open=facts["category"] == self._flow_category,
                flow_opened_at=self._flow_opened_at,
            )
            for facts in self._facts
        ]
        if not self.is_admin:
            for card in self.cards:
                card["log_url"] = ""
        broken = ", ".join(
            f"{facts['tool_label']} ({text_in(self.language, category_name(facts['category']))})"
            for facts in self._facts
            if facts["state"] == CardState.NEEDS_RECONNECTION
        )
        # Members have no Reconnect button: their banner says who can.
        banner = "banner.needs_reconnection"
        if not self.is_admin:
            banner = "banner.needs_reconnection_member"
        self.broken = self._t(banner, names=broken) if broken else ""

    def _busy(self, category: str, *, flow: bool = False) -> None:
        """The page is busy with `category` ("" = free again); a Connect flow being
        opened shows on its card."""
        self.connecting = category
        flow_category = category if flow else ""
        if flow_category != self._flow_category:
            self._flow_category = flow_category
            self._flow_opened_at = utc_now().isoformat() if flow_category else ""
            self._show_cards()

    async def _load_activity(self, organisation_id: str) -> None:
        activity = await in_database_thread(
            read_activity, current_backend().engine, organisation_id, self.activity_page_number
        )
        self._show_activity(activity)

    def _show_activity(self, activity: Activity) -> None:
        self.activity_has_older = activity.has_older
        self.activity = [
            {
                "when": format_moment(self.language, entry.at),
                "who": entry.who_in(self.language),
                "what": entry.what_in(self.language),
                "log_url": (entry.log_url or "") if self.is_admin else "",
            }
            for entry in activity.entries
        ]

    @rx.event
    async def switch_language(self, language: str):
        """The page's language switch: stored on the user, so it follows them (and
        Kombo's flow speaks it too)."""
        user = await self._signed_in_user()
        if user is None:
            return self._to_sign_in()
        wanted = inputs.language(language)
        if wanted is None:
            self.error = self._t(inputs.BAD_REQUEST)
            return None
        await in_database_thread(set_language, current_backend().engine, user.user_id, wanted)
        # Messages shown so far are in the old language: the switch starts afresh.
        self.notice = self.error = self.error_log_url = ""
        self.chosen_language = wanted
        self._use_language(wanted)
        await self._load_cards(user.organisation_id)
        return None

    @rx.event
    def open_invite(self, category: str):
        wanted = inputs.category(category)
        if wanted is None:
            self.error = self._t(inputs.BAD_REQUEST)
            return
        self.inviting = self.invite_opened_from = wanted
        self.invite_title = self._t("dialog.invite.title", category=category_name(wanted))
        self.invite_error = ""

    @rx.event
    def close_invite(self):
        self.inviting = self.invite_error = ""

    @rx.event
    async def invite(self, form_data: dict):
        user = await self._signed_in_user()
        if user is None:
            return self._to_sign_in()
        backend = current_backend()
        email = form_data.get("email", "") if isinstance(form_data, dict) else None
        if not isinstance(email, str):
            self.invite_error = self._t("problem.colleague_email")
            return None
        try:
            link = await invitations.invite_colleague(
                backend.engine,
                backend.kombo,
                user,
                self.inviting,
                email,
                backend.connect_options,
            )
        except ConnectProblem as problem:
            self.invite_error = problem.text(self.language)
            return None
        self.inviting = self.invite_error = ""
        self.notice = self._t("notice.invited", email=link.colleague_email)
        await self._load_cards(user.organisation_id)
        return None

    @rx.event
    async def revoke(self, link_id: str):
        user = await self._signed_in_user()
        if user is None:
            return self._to_sign_in()
        try:
            link = await in_database_thread(
                invitations.revoke_invitation, current_backend().engine, user, str(link_id)
            )
        except ConnectProblem as problem:
            self._show_problem(problem)
        else:
            self.notice = self._t("notice.revoked", email=link.colleague_email)
        await self._load_cards(user.organisation_id)
        return None

    @rx.event
    async def show_activity_page(self, page: int):
        user = await self._signed_in_user()
        if user is None:
            return self._to_sign_in()
        wanted = inputs.page_number(page)
        if wanted is None:
            self.error = self._t(inputs.BAD_REQUEST)
            return None
        self.activity_page_number = wanted
        await self._load_activity(user.organisation_id)
        return None

    def _show_problem(self, problem: ConnectProblem) -> None:
        self.error = problem.text(self.language)
        self.error_log_url = (problem.log_url or "") if self.is_admin else ""

    @rx.event
    async def load(self):
        user = await self._signed_in_user()
        # A reload starts afresh: a flow that was open on the old page has ended.
        if self._attempt_id:
            await close_attempt_in_thread(
                current_backend().engine,
                self._attempt_id,
                "cancelled",
                "page reloaded",
            )
        self.connect_link = self._attempt_id = ""
        self.connecting = self._flow_category = ""
        self.notice = self.error = self.error_log_url = ""
        if user is None:
            return self._to_sign_in()
        self._use_preferred_language(user)
        await self._load_cards(user.organisation_id)
        return None

    @rx.event
    async def refresh(self):
        """Called every few seconds by the page: reload the cards if anything changed,
        whichever worker or instance changed it. Otherwise it costs one query: the
        session's, which reads the organisation's version too."""
        user = await self._signed_in_user()
        if user is None:
            return self._to_sign_in()
        if user.organisation_version != self._version:
            await self._load_cards(user.organisation_id)
        return None

    @rx.event
    async def connect(self, category: str):
        if inputs.category(category) is None:
            self.error = self._t(inputs.BAD_REQUEST)
            return
        backend = current_backend()
        async for update in self._open_flow(
            category,
            lambda user: start_connect(
                backend.engine, backend.kombo, user, category, backend.connect_options
            ),
        ):
            yield update

    async def _open_flow(
        self, busy_category: str, start: Callable[[SignedInUser], Awaitable[ConnectStart]]
    ):
        """Ask the server for a Kombo link (`start`) and hand it to the Connect component."""
        if self.connecting:
            return
        user = await self._signed_in_user()
        if user is None:
            yield self._to_sign_in()
            return
        self.notice = self.error = self.error_log_url = ""
        self._busy(busy_category or "-", flow=True)
        yield
        started = None
        try:
            started = await start(user)
        except ConnectProblem as problem:
            self._show_problem(problem)
        finally:
            if started is None:
                self._busy("")
        if started is not None:
            self._attempt_id = started.attempt_id
            self.connect_link = started.link

    @rx.event
    async def connect_succeeded(self, activation_token: str):
        self.connect_link = ""
        user = await self._signed_in_user()
        if user is None:
            # Signed out while the flow was open: the integration exists at Kombo and
            # its webhook will record it; this attempt ends here.
            await close_attempt_in_thread(
                current_backend().engine, self._attempt_id, "failed", "signed out"
            )
            self._attempt_id = ""
            self._busy("")
            return self._to_sign_in()
        backend = current_backend()
        token = inputs.activation_token(activation_token)
        try:
            if token is None:
                await close_attempt_in_thread(
                    backend.engine, self._attempt_id, "failed", "unusable token"
                )
                raise ConnectProblem(NOT_CONFIRMED)
            integration = await finish_connect(
                backend.engine, backend.kombo, user, self._attempt_id, token
            )
        except ConnectProblem as problem:
            self._show_problem(problem)
        else:
            self.notice = self._t("notice.connected", tool=integration.tool_label)
        finally:
            # Whatever happened, the page is free for the next action.
            self._busy("")
            self._attempt_id = ""
        await self._load_cards(user.organisation_id)
        return None

    @rx.event
    async def reconnect(self, integration_id: str):
        async for update in self._open_repair(integration_id, "reconnect"):
            yield update

    @rx.event
    async def finish_setup(self, integration_id: str):
        async for update in self._open_repair(integration_id, "setup"):
            yield update

    async def _open_repair(self, integration_id: str, action: str):
        backend = current_backend()
        async for update in self._open_flow(
            self._category_of(integration_id),
            lambda user: lifecycle.start_repair(
                backend.engine, backend.kombo, user, str(integration_id), action
            ),
        ):
            yield update

    @rx.event
    async def disconnect(self, integration_id: str):
        async for update in self._act(integration_id, "disconnect"):
            yield update

    @rx.event
    async def set_enabled(self, integration_id: str, enabled: bool):
        if not isinstance(enabled, bool):  # "false" is a string, and true
            self.error = self._t(inputs.BAD_REQUEST)
            return
        async for update in self._act(integration_id, "enable" if enabled else "disable"):
            yield update

    async def _act(self, integration_id: str, action: str):
        """Disconnect, enable or disable: one call to Kombo, then the cards again."""
        if self.connecting:
            return
        user = await self._signed_in_user()
        if user is None:
            yield self._to_sign_in()
            return
        self.notice = self.error = self.error_log_url = ""
        self._busy(self._category_of(integration_id) or "-")
        yield
        backend = current_backend()
        try:
            if action == "disconnect":
                record = await lifecycle.disconnect(
                    backend.engine, backend.kombo, user, str(integration_id)
                )
                self.notice = self._t("notice.disconnected", tool=record.tool_label)
            else:
                enabled = action == "enable"
                record = await lifecycle.set_enabled(
                    backend.engine, backend.kombo, user, str(integration_id), enabled
                )
                notice = "notice.enabled" if enabled else "notice.disabled"
                self.notice = self._t(notice, tool=record.tool_label)
        except ConnectProblem as problem:
            self._show_problem(problem)
        finally:
            self._busy("")
        await self._load_cards(user.organisation_id)

    def _category_of(self, integration_id: str) -> str:
        return next(
            (card["category"] for card in self.cards if card["integration_id"] == integration_id),
            "",
        )

    @rx.event
    async def connect_cancelled(self):
        await self._end_flow("cancelled", "closed by the user")
        self.notice = self._t("notice.cancelled")

    @rx.event
    async def connect_failed(self, name: str, message: str):
        await self._end_flow("failed", inputs.log_text(f"{name}: {message}", 1000))
        self.error = self._t("error.window")

    async def _end_flow(self, outcome: str, detail: str) -> None:
        self.connect_link = ""
        self._busy("")
        user = await self._signed_in_user()
        if user is not None and self._attempt_id:
            await in_database_thread(
                abandon_connect, current_backend().engine, user, self._attempt_id, outcome, detail
            )
        self._attempt_id = ""
        if user is not None:
            await self._load_activity(user.organisation_id)
