"""The Integrations page: the cards, and the connect flow's three steps."""

from __future__ import annotations

import reflex as rx
from sqlmodel import select

from kombo_portal.backend import current_backend
from kombo_portal.db.models import Integration, User
from kombo_portal.db.transaction import transaction
from kombo_portal.services.connect import (
    ConnectProblem,
    abandon_connect,
    finish_connect,
    start_connect,
)
from kombo_portal.services.integrations import current_integrations
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


def card_view(category: str, integration: Integration | None, people: dict[str, str]) -> dict:
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
    }
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
        connected_on=integration.connected_at.strftime("%-d %b %Y"),
    )
    return view


class IntegrationsState(AuthState):
    cards: list[dict[str, str]] = []  # noqa: RUF012 (Reflex copies state defaults)
    # The category whose link is being created, or whose flow is open.
    connecting: str = ""
    connect_link: str = ""
    notice: str = ""
    error: str = ""
    error_log_url: str = ""
    # Backend only: never sent to the browser.
    _attempt_id: str = ""

    def _load_cards(self, organisation_id: str) -> None:
        backend = current_backend()
        with transaction(backend.engine) as session:
            by_category = {
                integration.category: integration
                for integration in current_integrations(session, organisation_id)
            }
            people = {
                user.id: user.name
                for user in session.exec(
                    select(User).where(User.organisation_id == organisation_id)
                )
            }
            self.cards = [
                card_view(category.value, by_category.get(category.value), people)
                for category in backend.settings.portal_categories
            ]

    def _show_problem(self, problem: ConnectProblem) -> None:
        self.error = problem.message
        self.error_log_url = (problem.log_url or "") if self.is_admin else ""

    @rx.event
    def load(self):
        user = self._signed_in_user()
        if user is None:
            return self._to_sign_in()
        self._load_cards(user.organisation_id)
        return None

    @rx.event
    async def connect(self, category: str):
        if self.connecting:
            return
        user = self._signed_in_user()
        if user is None:
            yield self._to_sign_in()
            return
        self.notice = self.error = self.error_log_url = ""
        self.connecting = str(category)[:16]
        yield
        backend = current_backend()
        try:
            started = await start_connect(
                backend.engine, backend.kombo, user, self.connecting, backend.connect_options
            )
        except ConnectProblem as problem:
            self.connecting = ""
            self._show_problem(problem)
            return
        self._attempt_id = started.attempt_id
        self.connect_link = started.link

    @rx.event
    async def connect_succeeded(self, activation_token: str):
        self.connect_link = ""
        user = self._signed_in_user()
        if user is None:
            self.connecting = ""
            return self._to_sign_in()
        backend = current_backend()
        try:
            integration = await finish_connect(
                backend.engine, backend.kombo, user, self._attempt_id, str(activation_token)[:200]
            )
        except ConnectProblem as problem:
            self._show_problem(problem)
        else:
            self.notice = f"{integration.tool_label} is connected."
        self.connecting = ""
        self._attempt_id = ""
        self._load_cards(user.organisation_id)
        return None

    @rx.event
    def connect_cancelled(self):
        self._end_flow("cancelled", "closed by the user")
        self.notice = "Connecting was cancelled. Nothing was changed."

    @rx.event
    def connect_failed(self, name: str, message: str):
        self._end_flow("failed", f"{name}: {message}"[:1000])
        self.error = "The connection window could not be opened. Try again."

    def _end_flow(self, outcome: str, detail: str) -> None:
        self.connect_link = ""
        self.connecting = ""
        user = self._signed_in_user()
        if user is not None and self._attempt_id:
            abandon_connect(current_backend().engine, user, self._attempt_id, outcome, detail)
        self._attempt_id = ""
