"""The Integrations page's state: its cards, invitations and activity log, and the
handlers behind its buttons. Each handler checks its input, calls one use case and
shows the outcome; the cards' words come from state.cards."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime

import reflex as rx

from kombo_portal.backend import current_backend
from kombo_portal.db.models import Integration, utc_now
from kombo_portal.i18n import category_name
from kombo_portal.problems import Problem
from kombo_portal.records.attempts import MAX_DETAIL_LENGTH
from kombo_portal.records.sessions import SignedInUser
from kombo_portal.state import inputs
from kombo_portal.state.auth import AuthState
from kombo_portal.state.cards import (
    CardFacts,
    CardView,
    broken_names,
    card_view,
    category_of,
    page_card_facts,
)
from kombo_portal.state.guard import signed_in
from kombo_portal.state.live import PushRound, register_tab
from kombo_portal.state.rows import activity_rows, invitation_rows
from kombo_portal.use_cases import invitations, lifecycle
from kombo_portal.use_cases.accounts import choose_language
from kombo_portal.use_cases.connect import (
    NOT_CONFIRMED,
    ConnectStart,
    abandon_connect,
    close_attempt,
    finish_connect,
    start_connect,
)
from kombo_portal.use_cases.lifecycle import Repair
from kombo_portal.use_cases.page_data import Activity, PageAfter, read_activity, read_page

# A change to one integration: one call to Kombo and the record (use_cases.lifecycle).
Change = Callable[[SignedInUser, str], Awaitable[Integration]]


class IntegrationsState(AuthState):
    cards: rx.Field[list[CardView]] = rx.field(default_factory=list)
    # The banner above the cards naming the integrations that need reconnection.
    broken: rx.Field[str] = rx.field("")
    activity: rx.Field[list[dict[str, str]]] = rx.field(default_factory=list)
    invitations: rx.Field[list[dict[str, str]]] = rx.field(default_factory=list)
    # The category the "Invite a colleague" dialog is open for ("" = closed).
    inviting: rx.Field[str] = rx.field("")
    # The category it was last opened for: kept when it closes, so the focus can
    # return to that card's button.
    invite_opened_from: rx.Field[str] = rx.field("")
    invite_title: rx.Field[str] = rx.field("")
    invite_error: rx.Field[str] = rx.field("")
    activity_page_number: rx.Field[int] = rx.field(0)
    activity_has_older: rx.Field[bool] = rx.field(False)
    # The page is creating a link, showing a Connect flow or changing an integration:
    # its buttons wait meanwhile. `busy_category`: the card it is for, if known.
    busy: rx.Field[bool] = rx.field(False)
    busy_category: rx.Field[str] = rx.field("")
    connect_link: rx.Field[str] = rx.field("")
    notice: rx.Field[str] = rx.field("")
    error: rx.Field[str] = rx.field("")
    error_log_url: rx.Field[str] = rx.field("")
    # Backend only: never sent to the browser.
    _attempt_id: str = ""
    _version: int = -1  # the organisation's version the cards show
    _organisation_id: str = ""  # whose cards this tab shows ("": none yet)
    # A change was pushed to a tab whose state Reflex had let expire: the page loads again.
    stale: rx.Field[bool] = rx.field(False)
    _facts: list[CardFacts] = []  # noqa: RUF012 (per card: see state.cards)
    _flow_category: str = ""  # the card a Connect flow is opening or open for
    _flow_opened_at: datetime | None = None

    async def _load_cards(self, organisation_id: str, source: PushRound | PageAfter | None = None):
        backend, read = current_backend(), source.read_page if source else read_page
        page = await read(backend.engine, organisation_id, self.activity_page_number)
        self._version, self._organisation_id = page.version, organisation_id
        categories = [category.value for category in backend.settings.connect.categories]
        self._facts = page_card_facts(page, categories, backend.connect_options)
        self._show_cards()
        self._show_activity(page.activity)
        self.invitations = invitation_rows(page.invitations, self.language)
        await register_tab(organisation_id, self.router.session.client_token)

    def _show_cards(self) -> None:
        """Draw the cards from their facts, in the page's language."""
        self.cards = [
            card_view(
                facts,
                self.language,
                is_admin=self.is_admin,
                flow_open=facts.category == self._flow_category,
                flow_opened_at=self._flow_opened_at,
            )
            for facts in self._facts
        ]
        broken = broken_names(self._facts, self.language)
        # Members have no Reconnect button: their banner says who can.
        member = "" if self.is_admin else "banner.needs_reconnection_member"
        self.broken = self._t(member or "banner.needs_reconnection", names=broken) if broken else ""

    def _set_busy(self, category: str = "", *, flow: bool = False) -> None:
        """Busy with `category` (unknown: ""); a flow being opened shows on its card."""
        self.busy, self.busy_category = True, category
        self._show_flow(category if flow else "")

    def _set_free(self) -> None:
        self.busy, self.busy_category = False, ""
        self._show_flow("")

    def _show_flow(self, category: str) -> None:
        if category != self._flow_category:
            self._flow_category = category
            self._flow_opened_at = utc_now() if category else None
            self._show_cards()

    async def _load_activity(self, organisation_id: str) -> None:
        activity = await read_activity(
            current_backend().engine, organisation_id, self.activity_page_number
        )
        self._show_activity(activity)

    def _show_activity(self, activity: Activity) -> None:
        self.activity_has_older = activity.has_older
        self.activity = activity_rows(activity.entries, self.language, is_admin=self.is_admin)

    def _show_problem(self, problem: Problem) -> None:
        self.error = problem.text(self.language)
        self.error_log_url = (problem.log_url or "") if self.is_admin else ""

    def _clear_messages(self) -> None:
        self.notice = self.error = self.error_log_url = ""

    # -- the page ----------------------------------------------------------------

    @rx.event
    async def load(self):
        # A reload starts afresh: a flow that was open on the old page has ended.
        if self._attempt_id:
            await close_attempt(
                current_backend().engine, self._attempt_id, "cancelled", "page reloaded"
            )
        self.connect_link = self._attempt_id = ""
        self._flow_category = self._organisation_id = ""
        self.busy, self.busy_category, self.stale = False, "", False
        self._clear_messages()
        return await self._show_page()

    @signed_in
    async def _show_page(self, user: SignedInUser):
        """Loaded by the guard (_signed_in_user): the tab shows no cards yet."""

    @rx.event
    @signed_in
    async def refresh(self, user: SignedInUser):
        """Back into view, or told it is stale: changes are pushed (_take_pushed_change),
        but not to a tab whose state expired while nobody looked."""
        self.stale = False
        await self._load_cards(user.organisation_id)

    async def _take_pushed_change(self, organisation_id: str, push_round: PushRound) -> bool:
        """A change committed for `organisation_id` (state.live); False: not shown here."""
        if not self._organisation_id:
            # Reflex made this state afresh (the tab's had expired): the page asks again.
            self.stale = True
            return False
        user = await self._signed_in_user()
        if user is None or user.organisation_id != organisation_id:
            return False
        # Else read since it committed (by the handler that made it, or for a later one).
        if self._version < push_round.version:
            await self._load_cards(organisation_id, push_round)
        return True

    async def _signed_in_user(self) -> SignedInUser | None:
        """Also where a tab with no cards (loaded, expired, or signed in anew) gets its
        user's, so every handler acts on the cards the page shows."""
        user = await super()._signed_in_user()
        if user is not None and self._organisation_id != user.organisation_id:
            self._use_preferred_language(user)
            await self._load_cards(user.organisation_id)
        return user

    @rx.event
    @signed_in
    async def switch_language(self, user: SignedInUser, language: str):
        """The page's language switch: stored on the user, so it follows them (and
        Kombo's flow speaks it too)."""
        wanted = inputs.language(language)
        if wanted is None:
            self.error = self._t(inputs.BAD_REQUEST)
            return
        await choose_language(current_backend().engine, user.user_id, wanted)
        self._remember_check("", None)  # the session's user now speaks `wanted`
        # Messages shown so far are in the old language: the switch starts afresh.
        self._clear_messages()
        self.chosen_language = wanted
        self._use_language(wanted)
        await self._load_cards(user.organisation_id)

    @rx.event
    @signed_in
    async def show_activity_page(self, user: SignedInUser, page: int):
        wanted = inputs.page_number(page)
        if wanted is None:
            self.error = self._t(inputs.BAD_REQUEST)
            return
        self.activity_page_number = wanted
        await self._load_activity(user.organisation_id)

    # -- invitations -------------------------------------------------------------

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
    @signed_in
    async def invite(self, user: SignedInUser, form_data: dict):
        backend = current_backend()
        email = form_data.get("email", "") if isinstance(form_data, dict) else None
        if not isinstance(email, str):
            self.invite_error = self._t("problem.colleague_email")
            return
        try:
            link = await invitations.invite_colleague(
                backend.engine,
                backend.kombo,
                user,
                self.inviting,
                email,
                backend.connect_options,
            )
        except Problem as problem:
            self.invite_error = problem.text(self.language)
            return
        self.inviting = self.invite_error = ""
        self.notice = self._t("notice.invited", email=link.colleague_email)
        await self._load_cards(user.organisation_id)

    @rx.event
    @signed_in
    async def revoke(self, user: SignedInUser, link_id: str):
        try:
            link = await invitations.revoke_invitation(current_backend().engine, user, str(link_id))
        except Problem as problem:
            self._show_problem(problem)
        else:
            self.notice = self._t("notice.revoked", email=link.colleague_email)
        await self._load_cards(user.organisation_id)

    # -- the Connect flow: link, flow, activation token ---------------------------

    @rx.event
    async def connect(self, category: str):
        if inputs.category(category) is None:
            self.error = self._t(inputs.BAD_REQUEST)
            return
        backend = current_backend()

        def start(user: SignedInUser) -> Awaitable[ConnectStart]:
            return start_connect(
                backend.engine, backend.kombo, user, category, backend.connect_options
            )

        async for update in self._open_flow(category, start):
            yield update

    @rx.event
    async def reconnect(self, integration_id: str):
        async for update in self._open_repair(integration_id, Repair.RECONNECT):
            yield update

    @rx.event
    async def finish_setup(self, integration_id: str):
        async for update in self._open_repair(integration_id, Repair.SETUP):
            yield update

    async def _open_repair(self, integration_id: str, repair: Repair) -> AsyncIterator[object]:
        backend = current_backend()

        def start(user: SignedInUser) -> Awaitable[ConnectStart]:
            return lifecycle.start_repair(
                backend.engine,
                backend.kombo,
                user,
                str(integration_id),
                repair,
                backend.connect_options,
            )

        async for update in self._open_flow(category_of(self.cards, integration_id), start):
            yield update

    async def _open_flow(
        self, category: str, start: Callable[[SignedInUser], Awaitable[ConnectStart]]
    ) -> AsyncIterator[object]:
        """Ask the server for a Kombo link (`start`) and hand it to the Connect component."""
        if self.busy:
            return
        async for update in self._open_flow_signed_in(category, start):
            yield update

    @signed_in
    async def _open_flow_signed_in(
        self,
        user: SignedInUser,
        category: str,
        start: Callable[[SignedInUser], Awaitable[ConnectStart]],
    ) -> AsyncIterator[object]:
        self._clear_messages()
        self._set_busy(category, flow=True)
        yield None
        started = None
        try:
            started = await start(user)
        except Problem as problem:
            self._show_problem(problem)
        finally:
            if started is None:
                self._set_free()
        if started is not None:
            self._attempt_id = started.attempt_id
            self.connect_link = started.link

    @rx.event
    async def connect_succeeded(self, activation_token: str):
        self.connect_link = ""
        return await self._finish_flow(activation_token)

    async def _end_flow_signed_out(self) -> None:
        # Signed out while the flow was open: the integration exists at Kombo and its
        # webhook will record it; this attempt ends here.
        await close_attempt(current_backend().engine, self._attempt_id, "failed", "signed out")
        self._attempt_id = ""
        self._set_free()

    @signed_in(when_signed_out=_end_flow_signed_out)
    async def _finish_flow(self, user: SignedInUser, activation_token: str):
        backend = current_backend()
        token = inputs.activation_token(activation_token)
        page_after = PageAfter(self.activity_page_number)  # read with the record
        try:
            if token is None:
                await close_attempt(backend.engine, self._attempt_id, "failed", "unusable token")
                raise Problem(NOT_CONFIRMED)
            integration = await finish_connect(
                backend.engine, backend.kombo, user, self._attempt_id, token, page_after
            )
        except Problem as problem:
            self._show_problem(problem)
        else:
            self.notice = self._t("notice.connected", tool=integration.tool_label)
        finally:
            # Whatever happened, the page is free for the next action.
            self._set_free()
            self._attempt_id = ""
        await self._load_cards(user.organisation_id, page_after)

    @rx.event
    async def connect_cancelled(self):
        # Kombo makes the integration once the system is signed in, before its setup steps.
        in_setup = current_backend().connect_options.has_setup_steps(self._flow_category)
        await self._end_flow("cancelled", "closed by the user")
        self.notice = self._t("notice.closed_in_setup" if in_setup else "notice.cancelled")

    @rx.event
    async def connect_failed(self, name: str, message: str):
        await self._end_flow("failed", inputs.log_text(f"{name}: {message}", MAX_DETAIL_LENGTH))
        self.error = self._t("error.window")

    async def _end_flow(self, outcome: str, detail: str) -> None:
        """The flow closed without a token. Signed out meanwhile, nothing is recorded."""
        self.connect_link = ""
        self._set_free()
        user = await self._signed_in_user()
        if user is not None and self._attempt_id:
            await abandon_connect(current_backend().engine, user, self._attempt_id, outcome, detail)
        self._attempt_id = ""
        if user is not None:
            await self._load_activity(user.organisation_id)

    # -- after connecting: disconnect, enable, disable -----------------------------

    @rx.event
    async def disconnect(self, integration_id: str):
        backend = current_backend()

        def change(user: SignedInUser, integration: str) -> Awaitable[Integration]:
            return lifecycle.disconnect(backend.engine, backend.kombo, user, integration)

        async for update in self._change(integration_id, change, "notice.disconnected"):
            yield update

    @rx.event
    async def set_enabled(self, integration_id: str, enabled: bool):
        if not isinstance(enabled, bool):  # "false" is a string, and true
            self.error = self._t(inputs.BAD_REQUEST)
            return
        backend = current_backend()

        def change(user: SignedInUser, integration: str) -> Awaitable[Integration]:
            return lifecycle.set_enabled(backend.engine, backend.kombo, user, integration, enabled)

        notice = "notice.enabled" if enabled else "notice.disabled"
        async for update in self._change(integration_id, change, notice):
            yield update

    async def _change(
        self, integration_id: str, change: Change, notice: str
    ) -> AsyncIterator[object]:
        """One change to an integration (`change`), then the cards again; `notice`: the
        message key saying it is done."""
        if self.busy:
            return
        async for update in self._change_signed_in(integration_id, change, notice):
            yield update

    @signed_in
    async def _change_signed_in(
        self, user: SignedInUser, integration_id: str, change: Change, notice: str
    ) -> AsyncIterator[object]:
        self._clear_messages()
        self._set_busy(category_of(self.cards, integration_id))
        yield None
        try:
            record = await change(user, str(integration_id))
            self.notice = self._t(notice, tool=record.tool_label)
        except Problem as problem:
            self._show_problem(problem)
        finally:
            self._set_free()
        await self._load_cards(user.organisation_id)
