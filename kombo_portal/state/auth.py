"""Signing in and out, and who is signed in.

The browser keeps a random session token in a cookie; every event re-checks it
against the database, so a session ended elsewhere (sign-out in another tab,
expiry, a deleted user) stops working at the next click.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from urllib.parse import quote, urlsplit

import reflex as rx

from kombo_portal.backend import current_backend
from kombo_portal.config import get_settings
from kombo_portal.db.models import User
from kombo_portal.db.transaction import reading, transaction
from kombo_portal.services.accounts import SignInRefused, authenticate
from kombo_portal.services.sessions import (
    SignedInUser,
    end_session,
    resolve_session,
    start_session,
)

SIGN_IN_PATH = "/sign-in"
HOME_PATH = "/settings/integrations"
SESSION_COOKIE = "kombo_portal_session"
MAX_EMAIL_LENGTH = 320
MAX_PASSWORD_LENGTH = 1024


def _safe_next(path: str | None) -> str:
    """Only paths of this site: never another origin (`//evil.example`, `https://...`).

    Browsers drop tabs and newlines from URLs and treat `\\` like `/`, so a path
    with any of those (or any other control character or space) is refused too.
    """
    if not path or not path.startswith("/") or path.startswith("//"):
        return HOME_PATH
    if any(character <= " " or character in "\\\x7f" for character in path):
        return HOME_PATH
    parts = urlsplit(path)
    if parts.scheme or parts.netloc:
        return HOME_PATH
    return path


def _sign_in(email: str, password: str, previous_token: str) -> str:
    """Check the credentials and start a session; the new token. Raises SignInRefused."""
    backend = current_backend()
    secret_key = backend.settings.secret_key
    with transaction(backend.engine) as session:
        try:
            user: User = authenticate(session, email, password)
        except SignInRefused:
            session.commit()  # the failed attempt counts
            raise
        # Always a new token: a session id planted before sign-in is worthless after.
        end_session(session, previous_token, secret_key)
        return start_session(
            session,
            user,
            secret_key,
            lifetime=timedelta(hours=backend.settings.session_hours),
        )


class AuthState(rx.State):
    session_token: str = rx.Cookie(
        "",
        name=SESSION_COOKIE,
        path="/",
        same_site="strict",
        secure=get_settings().cookie_secure,
        max_age=int(get_settings().session_hours * 3600),
    )
    # Shown on the page; nothing here is secret.
    user_name: str = ""
    user_email: str = ""
    organisation_name: str = ""
    is_admin: bool = False
    sign_in_error: str = ""

    def _signed_in_user(self) -> SignedInUser | None:
        backend = current_backend()
        with reading(backend.engine) as session:
            user = resolve_session(session, self.session_token, backend.settings.secret_key)
        if user is None:
            self.user_name = self.user_email = self.organisation_name = ""
            self.is_admin = False
        else:
            self.user_name = user.name
            self.user_email = user.email
            self.organisation_name = user.organisation_name
            self.is_admin = user.is_admin
        return user

    def _to_sign_in(self) -> rx.event.EventSpec:
        return rx.redirect(f"{SIGN_IN_PATH}?next={quote(self.router.url.path or HOME_PATH)}")

    @rx.event
    def require_sign_in(self):
        """on_load of every portal page: unauthenticated visits go to sign-in and come back."""
        if self._signed_in_user() is None:
            return self._to_sign_in()
        return None

    @rx.event
    def skip_sign_in_if_signed_in(self):
        if self._signed_in_user() is not None:
            return rx.redirect(_safe_next(self.router.url.query_parameters.get("next")))
        return None

    @rx.event
    async def sign_in(self, form_data: dict):
        email = str(form_data.get("email", ""))[:MAX_EMAIL_LENGTH]
        password = str(form_data.get("password", ""))[:MAX_PASSWORD_LENGTH]
        self.sign_in_error = ""
        if not email.strip() or not password:
            self.sign_in_error = "Enter your email and your password."
            return None
        try:
            # Password hashing takes a while on purpose: keep the event loop free.
            self.session_token = await asyncio.to_thread(
                _sign_in, email, password, self.session_token
            )
        except SignInRefused as refused:
            self.sign_in_error = refused.message
            return None
        await self._forget_the_page()
        return rx.redirect(_safe_next(self.router.url.query_parameters.get("next")))

    @rx.event
    async def sign_out(self):
        backend = current_backend()
        with transaction(backend.engine) as session:
            end_session(session, self.session_token, backend.settings.secret_key)
        self.session_token = ""
        self._signed_in_user()
        await self._forget_the_page()
        return rx.redirect(SIGN_IN_PATH)

    async def _forget_the_page(self) -> None:
        """Nothing of the previous user's page stays in this tab's state."""
        from kombo_portal.state.integrations import IntegrationsState  # (it extends this state)

        (await self.get_state(IntegrationsState)).reset()
