"""The Integrations page: the cards, and the connect flow's three steps."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import reflex as rx

from kombo_portal.backend import current_backend
from kombo_portal.db.models import FlowFailure, Integration
from kombo_portal.db.transaction import reading
from kombo_portal.services import invitations, lifecycle
from kombo_portal.services.activity import activity_page
from kombo_portal.services.connect import (
    NOT_CONFIRMED,
    ConnectProblem,
    ConnectStart,
    abandon_connect,
    close_attempt,
    finish_connect,
    start_connect,
)
from kombo_portal.services.integrations import organisation_version, overview, tool_display_name
from kombo_portal.services.invitations import open_invitations
from kombo_portal.services.sessions import SignedInUser
from kombo_portal.state import inputs
from kombo_portal.state.auth import AuthState

CATEGORY_TITLES = {
    "HRIS": "HR system",
    "ATS": "Recruiting system",
    "ASSESSMENT": "Assessment platform",
    "LMS": "Learning platform",
}
CATEGORY_DESCRIPTIONS = {
    "HRIS": "Employees, teams and time off.",
    "ATS": "Jobs, candidates and applications.",
    "ASSESSMENT": "Tests and their results.",
    "LMS": "Courses and their progress.",
}


STATUS_BADGES = {  # Kombo's state -> (text, colour)
    "ACTIVE": ("Active", "green"),
    "INVALID": ("Needs reconnection", "red"),
    "INACTIVE": ("Disabled", "gray"),
}


def card_view(
    category: str,
    integration: Integration | None,
    people: dict[str, str],
    failure: FlowFailure | None = None,
) -> dict:
    """What one card shows, as plain strings for the page."""
    view = {
        "category": category,
        "title": CATEGORY_TITLES.get(category, category),
        "description": CATEGORY_DESCRIPTIONS.get(category, ""),
        "connected": "",
        "tool_label": "",
        "logo_url": "",
        "status_text": "",
        "status_colour": "gray",
        "connected_by": "",
        "connected_on": "",
        "failed_tool": "",
        "integration_id": "",
        "needs_reconnection": "",
        "setup_incomplete": "",
        "disabled": "",
    }
    if failure is not None:
        tool = tool_display_name(failure.tool_id)
        view["failed_tool"] = tool
    if integration is None:
        return view
    text, colour = STATUS_BADGES.get(integration.state, (integration.state.title(), "gray"))
    if integration.state == "ACTIVE" and integration.setup_status == "INCOMPLETE":
        text, colour = "Setup incomplete", "amber"
    view.update(
        connected="yes",
        tool_label=integration.tool_label,
        logo_url=integration.tool_logo_url or "",
        status_text=text,
        status_colour=colour,
        connected_by=people.get(integration.connected_by_user_id or "", "Kombo"),
        connected_on=f"{integration.connected_at.day} {integration.connected_at:%b %Y}",
        integration_id=integration.id,
        needs_reconnection="yes" if integration.state == "INVALID" else "",
        setup_incomplete="yes" if integration.setup_status == "INCOMPLETE" else "",
        disabled="yes" if integration.state == "INACTIVE" else "",
    )
    return view


class IntegrationsState(AuthState):
    cards: list[dict[str, str]] = []  # noqa: RUF012 (Reflex copies state defaults)
    # The integrations that need reconnection, named for the banner above the cards.
    broken: str = ""
    activity: list[dict[str, str]] = []  # noqa: RUF012
    invitations: list[dict[str, str]] = []  # noqa: RUF012
    # The category the "Invite a colleague" dialog is open for ("" = closed).
    inviting: str = ""
    invite_error: str = ""
    activity_page_number: int = 0
    activity_has_older: bool = False
    # The category whose link is being created, or whose flow is open.
    connecting: str = ""
    connect_link: str = ""
    notice: str = ""
    error: str = ""
    error_log_url: str = ""
    # Backend only: never sent to the browser.
    _attempt_id: str = ""
    _version: int = -1  # the organisation's version the cards show

    def _load_cards(self, organisation_id: str) -> None:
        backend = current_backend()
        with reading(backend.engine) as session:
            # The version first: a change committed between the two reads then shows
            # at the next refresh instead of never.
            self._version = organisation_version(session, organisation_id)
            seen = overview(session, organisation_id)
        by_category = {integration.category: integration for integration in seen.integrations}
        self.cards = [
            card_view(
                category.value,
                by_category.get(category.value),
                seen.people,
                seen.failures.get(category.value),
            )
            for category in backend.settings.portal_categories
        ]
        self._load_activity(organisation_id)
        with reading(backend.engine) as session:
            self.invitations = [
                {
                    "id": link.id,
                    "category": link.category,
                    "email": link.colleague_email,
                    "url": link.url,
                    "created_on": f"{link.created_at.day} {link.created_at:%b %Y}",
                }
                for link in open_invitations(session, organisation_id)
            ]
        self.broken = ", ".join(
            f"{card['tool_label']} ({card['category']})"
            for card in self.cards
            if card["needs_reconnection"]
        )

    def _load_activity(self, organisation_id: str) -> None:
        with reading(current_backend().engine) as session:
            entries, self.activity_has_older = activity_page(
                session, organisation_id, self.activity_page_number
            )
        self.activity = [
            {
                "when": f"{entry.at.day} {entry.at:%b %Y, %H:%M} UTC",
                "who": entry.who,
                "what": entry.what,
                "log_url": (entry.log_url or "") if self.is_admin else "",
            }
            for entry in entries
        ]

    @rx.event
    def open_invite(self, category: str):
        wanted = inputs.category(category)
        if wanted is None:
            self.error = inputs.BAD_REQUEST
            return
        self.inviting = wanted
        self.invite_error = ""

    @rx.event
    def close_invite(self):
        self.inviting = self.invite_error = ""

    @rx.event
    async def invite(self, form_data: dict):
        user = self._signed_in_user()
        if user is None:
            return self._to_sign_in()
        backend = current_backend()
        email = form_data.get("email", "") if isinstance(form_data, dict) else None
        if not isinstance(email, str):
            self.invite_error = "Enter your colleague's email address."
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
            self.invite_error = problem.message
            return None
        self.inviting = self.invite_error = ""
        self.notice = (
            f"Invitation link for {link.colleague_email} created: copy it from the card and "
            "send it on. It works for a year unless you revoke it."
        )
        self._load_cards(user.organisation_id)
        return None

    @rx.event
    def revoke(self, link_id: str):
        user = self._signed_in_user()
        if user is None:
            return self._to_sign_in()
        try:
            link = invitations.revoke_invitation(current_backend().engine, user, str(link_id))
        except ConnectProblem as problem:
            self._show_problem(problem)
        else:
            self.notice = f"The invitation for {link.colleague_email} is revoked."
        self._load_cards(user.organisation_id)
        return None

    @rx.event
    def show_activity_page(self, page: int):
        user = self._signed_in_user()
        if user is None:
            return self._to_sign_in()
        wanted = inputs.page_number(page)
        if wanted is None:
            self.error = inputs.BAD_REQUEST
            return None
        self.activity_page_number = wanted
        self._load_activity(user.organisation_id)
        return None

    def _show_problem(self, problem: ConnectProblem) -> None:
        self.error = problem.message
        self.error_log_url = (problem.log_url or "") if self.is_admin else ""

    @rx.event
    def load(self):
        user = self._signed_in_user()
        # A reload starts afresh: a flow that was open on the old page has ended.
        if self._attempt_id:
            close_attempt(current_backend().engine, self._attempt_id, "cancelled", "page reloaded")
        self.connecting = self.connect_link = self._attempt_id = ""
        self.notice = self.error = self.error_log_url = ""
        if user is None:
            return self._to_sign_in()
        self._load_cards(user.organisation_id)
        return None

    @rx.event
    def refresh(self):
        """Called every few seconds by the page: reload the cards if anything changed,
        whichever worker or instance changed it (one small query otherwise)."""
        user = self._signed_in_user()
        if user is None:
            return self._to_sign_in()
        with reading(current_backend().engine) as session:
            changed = organisation_version(session, user.organisation_id) != self._version
        if changed:
            self._load_cards(user.organisation_id)
        return None

    @rx.event
    async def connect(self, category: str):
        if inputs.category(category) is None:
            self.error = inputs.BAD_REQUEST
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
        user = self._signed_in_user()
        if user is None:
            yield self._to_sign_in()
            return
        self.notice = self.error = self.error_log_url = ""
        self.connecting = busy_category or "-"
        yield
        started = None
        try:
            started = await start(user)
        except ConnectProblem as problem:
            self._show_problem(problem)
        finally:
            if started is None:
                self.connecting = ""
        if started is not None:
            self._attempt_id = started.attempt_id
            self.connect_link = started.link

    @rx.event
    async def connect_succeeded(self, activation_token: str):
        self.connect_link = ""
        user = self._signed_in_user()
        if user is None:
            # Signed out while the flow was open: the integration exists at Kombo and
            # its webhook will record it; this attempt ends here.
            close_attempt(current_backend().engine, self._attempt_id, "failed", "signed out")
            self.connecting = self._attempt_id = ""
            return self._to_sign_in()
        backend = current_backend()
        token = inputs.activation_token(activation_token)
        try:
            if token is None:
                close_attempt(backend.engine, self._attempt_id, "failed", "unusable token")
                raise ConnectProblem(NOT_CONFIRMED)
            integration = await finish_connect(
                backend.engine, backend.kombo, user, self._attempt_id, token
            )
        except ConnectProblem as problem:
            self._show_problem(problem)
        else:
            self.notice = f"{integration.tool_label} is connected."
        finally:
            # Whatever happened, the page is free for the next action.
            self.connecting = ""
            self._attempt_id = ""
        self._load_cards(user.organisation_id)
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
            self.error = inputs.BAD_REQUEST
            return
        async for update in self._act(integration_id, "enable" if enabled else "disable"):
            yield update

    async def _act(self, integration_id: str, action: str):
        """Disconnect, enable or disable: one call to Kombo, then the cards again."""
        if self.connecting:
            return
        user = self._signed_in_user()
        if user is None:
            yield self._to_sign_in()
            return
        self.notice = self.error = self.error_log_url = ""
        self.connecting = self._category_of(integration_id) or "-"
        yield
        backend = current_backend()
        try:
            if action == "disconnect":
                record = await lifecycle.disconnect(
                    backend.engine, backend.kombo, user, str(integration_id)
                )
                self.notice = f"{record.tool_label} is disconnected."
            else:
                enabled = action == "enable"
                record = await lifecycle.set_enabled(
                    backend.engine, backend.kombo, user, str(integration_id), enabled
                )
                self.notice = f"{record.tool_label} is {'enabled' if enabled else 'disabled'}."
        except ConnectProblem as problem:
            self._show_problem(problem)
        finally:
            self.connecting = ""
        self._load_cards(user.organisation_id)

    def _category_of(self, integration_id: str) -> str:
        return next(
            (card["category"] for card in self.cards if card["integration_id"] == integration_id),
            "",
        )

    @rx.event
    def connect_cancelled(self):
        self._end_flow("cancelled", "closed by the user")
        self.notice = "Connecting was cancelled. Nothing was changed."

    @rx.event
    def connect_failed(self, name: str, message: str):
        self._end_flow("failed", inputs.log_text(f"{name}: {message}", 1000))
        self.error = "The connection window could not be opened. Try again."

    def _end_flow(self, outcome: str, detail: str) -> None:
        self.connect_link = ""
        self.connecting = ""
        user = self._signed_in_user()
        if user is not None and self._attempt_id:
            abandon_connect(current_backend().engine, user, self._attempt_id, outcome, detail)
        self._attempt_id = ""
        if user is not None:
            self._load_activity(user.organisation_id)
