"""Signing in and out, and who is signed in.

The browser keeps a random session token in a cookie; every event re-checks it
against the database, so a session ended elsewhere (sign-out in another tab,
expiry, a deleted user) stops working at the next click.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

import reflex as rx

from kombo_portal.backend import current_backend
from kombo_portal.config import get_settings
from kombo_portal.db.transaction import transaction
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
    """Only paths of this site: never another origin (`//evil.example`, `https://...`)."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return HOME_PATH
    return path


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
        with transaction(current_backend().engine) as session:
            user = resolve_session(session, self.session_token)
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
    def sign_in(self, form_data: dict):
        email = str(form_data.get("email", ""))[:MAX_EMAIL_LENGTH]
        password = str(form_data.get("password", ""))[:MAX_PASSWORD_LENGTH]
        self.sign_in_error = ""
        if not email.strip() or not password:
            self.sign_in_error = "Enter your email and your password."
            return None
        backend = current_backend()
        with transaction(backend.engine) as session:
            try:
                user = authenticate(session, email, password)
            except SignInRefused as refused:
                self.sign_in_error = refused.message
                return None
            # Always a new token: a session id planted before sign-in is worthless after.
            end_session(session, self.session_token)
            self.session_token = start_session(
                session, user, lifetime=timedelta(hours=backend.settings.session_hours)
            )
        return rx.redirect(_safe_next(self.router.url.query_parameters.get("next")))

    @rx.event
    def sign_out(self):
        with transaction(current_backend().engine) as session:
            end_session(session, self.session_token)
        self.session_token = ""
        self._signed_in_user()
        return rx.redirect(SIGN_IN_PATH)
