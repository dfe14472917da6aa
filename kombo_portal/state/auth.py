"""Signing in and out, and who is signed in.

The browser keeps a random session token in an HttpOnly cookie (set by the
`/auth/session` route, see api.auth), which scripts cannot read. Events check it
against the database, trusting a check for SESSION_RECHECK_SECONDS, so a session
ended elsewhere (sign-out in another tab, expiry, a deleted user, a new role) stops
working within that time.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from dataclasses import replace
from urllib.parse import quote, urlsplit

import reflex as rx
from reflex.state import BaseState

from kombo_portal.backend import current_backend
from kombo_portal.cookies import SIGN_IN_NONCE_COOKIE, session_cookie_token
from kombo_portal.db.columns import storable_text
from kombo_portal.i18n import (
    DEFAULT_LANGUAGE,
    page_texts,
    preferred_language,
    supported,
    translate,
)
from kombo_portal.paths import (
    AUTH_COOKIE_PATH,
    AUTH_SESSION_PATH,
    AUTH_SIGN_OUT_PATH,
    DEMO_HANDOFF_PATH,
    HOME_PATH,
    OIDC_START_PATH,
    SIGN_IN_PATH,
)
from kombo_portal.records.accounts import MAX_EMAIL_LENGTH, SignInRefused
from kombo_portal.records.sessions import SignedInUser
from kombo_portal.state import inputs
from kombo_portal.use_cases import sessions

MAX_PASSWORD_LENGTH = 1024
LANGUAGE_COOKIE = "kombo_portal_language"
# How long a checked session is trusted without asking the database again: a burst
# of events (or of pushed changes) costs one check, and a sign-out everywhere, a
# role change or a removed user still takes effect within it.
SESSION_RECHECK_SECONDS = 5.0


def _now() -> float:
    """Wall-clock seconds: with Redis, a tab's next event may run in another process."""
    return time.time()


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


class AuthState(rx.State):
    # The page's language, and the words pages show as they are (`text["page.title"]`):
    # assigned only when the language changes, so events do not resend them.
    language: rx.Field[str] = rx.field(DEFAULT_LANGUAGE)
    text: rx.Field[dict[str, str]] = rx.field(
        default_factory=lambda: dict(page_texts(DEFAULT_LANGUAGE))
    )
    # A language chosen while signed out, remembered by this browser for a year.
    chosen_language: str = rx.Cookie("", name=LANGUAGE_COOKIE, max_age=365 * 24 * 3600)
    # Shown on the page; nothing here is secret.
    user_name: rx.Field[str] = rx.field("")
    organisation_name: rx.Field[str] = rx.field("")
    is_admin: rx.Field[bool] = rx.field(False)
    sign_in_error: rx.Field[str] = rx.field("")
    # A whole-page load the browser is to make (see components.page_exit).
    exit_url: rx.Field[str] = rx.field("")
    exit_cookie: rx.Field[str] = rx.field("")
    exit_order: rx.Field[str] = rx.field("")
    exit_method: rx.Field[str] = rx.field("")  # "post": a form post (signing out)
    # The last session check (backend only): whose token, who, and when.
    _checked_token: str = ""
    _checked_user: SignedInUser | None = None
    _checked_at: float = 0.0

    def _session_token(self) -> str:
        # The cookie as the browser sent it when this tab's connection opened.
        return session_cookie_token(self.router.headers.cookie)

    def _backend_url(self) -> str:
        """Where this browser reaches the backend: the connection's host, with the
        page's scheme (in development the page and the backend differ in port)."""
        scheme = urlsplit(self.router.headers.origin).scheme or "http"
        return f"{scheme}://{self.router.headers.host}"

    async def _signed_in_user(self) -> SignedInUser | None:
        """Who this tab's session cookie belongs to; None (and nothing shown) if nobody."""
        token = self._session_token()
        user = self._checked_user if token and token == self._checked_token else None
        if user is None or not 0 <= _now() - self._checked_at < SESSION_RECHECK_SECONDS:
            backend = current_backend()
            user = await sessions.signed_in_user(
                backend.engine, backend.settings.security.secret_key, token
            )
            self._remember_check(token, user)
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

    def _remember_check(self, token: str, user: SignedInUser | None) -> None:
        self._checked_token, self._checked_user = (token, user) if user else ("", None)
        self._checked_at = _now()

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
        backend = current_backend()
        if not backend.settings.sign_in.password:
            # The form is not on the page, but its event can still be sent.
            self.sign_in_error = self._t("sign_in.password_off")
            return None
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
        if any(
            storable_text(value, MAX_PASSWORD_LENGTH, blank=True) is None
            for value in (email, password)
        ):
            self.sign_in_error = self._t("sign_in.unusable")
            return None
        next_path = _safe_next(self.router.url.query_parameters.get("next"))
        nonce = secrets.token_urlsafe(24)
        try:
            grant = await sessions.sign_in(
                backend.engine,
                backend.settings.security.secret_key,
                email,
                password,
                nonce=nonce,
                page_origin=self.router.headers.origin,
                next_path=next_path,
            )
        except SignInRefused as refused:
            self.sign_in_error = refused.text(self.language)
            return None
        await self._forget_the_page()
        # A full page load (not in-app navigation): the route sets the cookie.
        self._leave_page(f"{self._backend_url()}{AUTH_SESSION_PATH}?grant={quote(grant)}", nonce)
        return None

    @rx.event
    def sign_in_through_demo_host(self):
        """Sandbox mode: sign in as the demo admin the way a host product does, through
        the stand-in host's hand-off (api.demo_host), then back to the page asked for."""
        self.sign_in_error = ""
        if not current_backend().settings.demo_handoff:
            self.sign_in_error = self._t(inputs.BAD_REQUEST)
            return
        self._leave_for(DEMO_HANDOFF_PATH)

    @rx.event
    def sign_in_with_oidc(self):
        """To the host's OpenID provider (api.oidc), then back to the page asked for."""
        self.sign_in_error = ""
        if not current_backend().settings.oidc.enabled:
            self.sign_in_error = self._t(inputs.BAD_REQUEST)
            return
        self._leave_for(OIDC_START_PATH)

    def _leave_for(self, route: str) -> None:
        """A whole-page load of one of the backend's sign-in routes, which comes back to
        the page this tab was sent to sign in for (in development, on another port)."""
        page = self.router.headers.origin + _safe_next(self.router.url.query_parameters.get("next"))
        self._leave_page(f"{self._backend_url()}{route}?to={quote(page, safe='')}")

    @rx.event
    async def sign_out(self):
        await self._forget_the_page()
        self.user_name = self.organisation_name = ""
        self.is_admin = False
        page = f"{self.router.headers.origin}{SIGN_IN_PATH}"
        self._leave_page(
            f"{self._backend_url()}{AUTH_SIGN_OUT_PATH}?to={quote(page, safe='')}", post=True
        )

    def _leave_page(self, url: str, nonce: str | None = None, *, post: bool = False) -> None:
        """Have the browser load `url` (rx.redirect would route same-host paths in-app),
        first leaving `nonce` in a cookie for the /auth routes; `post`: by a form post."""
        self.exit_url, self.exit_method = url, "post" if post else ""
        self.exit_cookie = (
            f"{SIGN_IN_NONCE_COOKIE}={nonce}; path={AUTH_COOKIE_PATH}; max-age=120; samesite=lax"
            if nonce
            else ""
        )
        self.exit_order = secrets.token_urlsafe(8)

    async def _forget_the_page(self) -> None:
        """Nothing of the previous user's pages stays in this tab's state: every page's
        state (each extends this one) goes back to its defaults."""
        self._remember_check("", None)
        for page_state in _descendants(AuthState):
            (await self.get_state(page_state)).reset()


def _descendants(state: type[BaseState]) -> Iterator[type[BaseState]]:
    """The states under `state` in Reflex's state tree, each before its own."""
    for substate in state.get_substates():
        yield substate
        yield from _descendants(substate)
