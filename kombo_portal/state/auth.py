"""Signing in and out, and who is signed in.

The browser keeps a random session token in an HttpOnly cookie (set by the
`/auth/session` route, see api.auth), which scripts cannot read. Every event
re-checks it against the database, so a session ended elsewhere (sign-out in
another tab, expiry, a deleted user) stops working at the next click.
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from urllib.parse import quote, urlsplit

import reflex as rx

from kombo_portal.api.auth import SIGN_IN_NONCE_COOKIE, session_cookie_token
from kombo_portal.backend import current_backend
from kombo_portal.db.models import User
from kombo_portal.db.threads import in_database_thread
from kombo_portal.db.transaction import reading, transaction
from kombo_portal.i18n import (
    DEFAULT_LANGUAGE,
    page_texts,
    preferred_language,
    supported,
    translate,
)
from kombo_portal.services.accounts import MAX_EMAIL_LENGTH, SignInRefused, authenticate
from kombo_portal.services.sessions import SignedInUser, grant_session, resolve_session
from kombo_portal.state import inputs

SIGN_IN_PATH = "/sign-in"
HOME_PATH = "/settings/integrations"
MAX_PASSWORD_LENGTH = 1024
LANGUAGE_COOKIE = "kombo_portal_language"


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


def _sign_in(email: str, password: str, nonce: str, page_origin: str, next_path: str) -> str:
    """Check the credentials; a one-time grant for the cookie route. Raises SignInRefused.

    The route starts a new session: a session id planted before sign-in is worthless.
    """
    backend = current_backend()
    with transaction(backend.engine) as session:
        try:
            user: User = authenticate(session, email, password)
        except SignInRefused:
            session.commit()  # the failed attempt counts
            raise
        return grant_session(
            session,
            user,
            backend.settings.secret_key,
            nonce=nonce,
            page_origin=page_origin,
            next_path=next_path,
        )


def _resolve_session(token: str) -> SignedInUser | None:
    backend = current_backend()
    with reading(backend.engine) as session:
        return resolve_session(session, token, backend.settings.secret_key)


class AuthState(rx.State):
    # The page's language, and the words pages show as they are (`text["page.title"]`):
    # assigned only when the language changes, so events do not resend them.
    language: str = DEFAULT_LANGUAGE
    text: dict[str, str] = dict(page_texts(DEFAULT_LANGUAGE))  # noqa: RUF012
    # A language chosen while signed out, remembered by this browser for a year.
    chosen_language: str = rx.Cookie("", name=LANGUAGE_COOKIE, max_age=365 * 24 * 3600)
    # Shown on the page; nothing here is secret.
    user_name: str = ""
    organisation_name: str = ""
    is_admin: bool = False
    sign_in_error: str = ""
    # A whole-page load the browser is to make (see components.page_exit).
    exit_url: str = ""
    exit_cookie: str = ""
    exit_order: str = ""

    def _session_token(self) -> str:
        # The cookie as the browser sent it when this tab's connection opened.
        return session_cookie_token(self.router.headers.cookie)

    def _backend_url(self) -> str:
        """Where this browser reaches the backend: the connection's host, with the
        page's scheme (in development the page and the backend differ in port)."""
        scheme = urlsplit(self.router.headers.origin).scheme or "http"
        return f"{scheme}://{self.router.headers.host}"

    async def _signed_in_user(self) -> SignedInUser | None:
        # In a thread, as all database calls of the page: see services.page_data.
        user = await in_database_thread(_resolve_session, self._session_token())
        if user is None:
            self.user_name = self.organisation_name = ""
            self.is_admin = False
            return None
        self.user_name = user.name
        self.organisation_name = user.organisation_name
        self.is_admin = user.is_admin
        if user.language is None:
            # Never chose one: what this browser chose or asks for, here and at Kombo.
            user = replace(user, language=self._browser_language())
        return user

    def _browser_language(self) -> str:
        """This browser's choice on the sign-in page; else what it asks for."""
        return supported(self.chosen_language) or preferred_language(
            self.router.headers.accept_language
        )

    def _use_language(self, language: str) -> None:
        if language != self.language:
            self.language = language
            self.text = dict(page_texts(language))

    def _use_preferred_language(self, user: SignedInUser | None) -> None:
        """A signed-in user's stored choice; else this browser's choice; else what the
        browser asks for (Accept-Language)."""
        if user is not None:
            self._use_language(user.kombo_language.value)
        else:
            self._use_language(self._browser_language())

    def _t(self, key: str, **params: object) -> str:
        """`key`'s text in the page's language."""
        return translate(self.language, key, **params)

    def _to_sign_in(self) -> rx.event.EventSpec:
        return rx.redirect(f"{SIGN_IN_PATH}?next={quote(self.router.url.path or HOME_PATH)}")

    @rx.event
    async def skip_sign_in_if_signed_in(self):
        user = await self._signed_in_user()
        if user is not None:
            return rx.redirect(_safe_next(self.router.url.query_parameters.get("next")))
        self._use_preferred_language(None)
        return None

    @rx.event
    def choose_language(self, language: str):
        """The sign-in page's language switch: remembered by this browser."""
        wanted = inputs.language(language)
        if wanted is None:
            self.sign_in_error = self._t(inputs.BAD_REQUEST)
            return
        self.sign_in_error = ""
        self.chosen_language = wanted
        self._use_language(wanted)

    @rx.event
    async def sign_in(self, form_data: dict):
        fields = form_data if isinstance(form_data, dict) else {}
        email, password = fields.get("email", ""), fields.get("password", "")
        self.sign_in_error = ""
        if not isinstance(email, str) or not isinstance(password, str):
            email = password = ""
        if not email.strip() or not password:
            self.sign_in_error = self._t("sign_in.missing")
            return None
        # Refused, not shortened: a shortened password is another password.
        if len(email) > MAX_EMAIL_LENGTH or len(password) > MAX_PASSWORD_LENGTH:
            self.sign_in_error = self._t(
                "sign_in.too_long", email_max=MAX_EMAIL_LENGTH, password_max=MAX_PASSWORD_LENGTH
            )
            return None
        if any(inputs.text(value, MAX_PASSWORD_LENGTH) is None for value in (email, password)):
            self.sign_in_error = self._t("sign_in.unusable")
            return None
        next_path = _safe_next(self.router.url.query_parameters.get("next"))
        nonce = secrets.token_urlsafe(24)
        try:
            # Password hashing takes a while on purpose: keep the event loop free.
            grant = await in_database_thread(
                _sign_in, email, password, nonce, self.router.headers.origin, next_path
            )
        except SignInRefused as refused:
            self.sign_in_error = refused.text(self.language)
            return None
        await self._forget_the_page()
        # A full page load (not in-app navigation): the route sets the cookie.
        self._leave_page(f"{self._backend_url()}/auth/session?grant={quote(grant)}", nonce)
        return None

    @rx.event
    async def sign_out(self):
        await self._forget_the_page()
        self.user_name = self.organisation_name = ""
        self.is_admin = False
        page = f"{self.router.headers.origin}{SIGN_IN_PATH}"
        self._leave_page(f"{self._backend_url()}/auth/sign-out?to={quote(page, safe='')}")

    def _leave_page(self, url: str, nonce: str | None = None) -> None:
        """Have the browser load `url` (rx.redirect would route same-host paths in-app),
        first leaving `nonce` in a cookie for the /auth routes."""
        self.exit_url = url
        self.exit_cookie = (
            f"{SIGN_IN_NONCE_COOKIE}={nonce}; path=/auth; max-age=120; samesite=lax"
            if nonce
            else ""
        )
        self.exit_order = secrets.token_urlsafe(8)

    async def _forget_the_page(self) -> None:
        """Nothing of the previous user's page stays in this tab's state."""
        from kombo_portal.state.integrations import IntegrationsState  # (it extends this state)

        (await self.get_state(IntegrationsState)).reset()
