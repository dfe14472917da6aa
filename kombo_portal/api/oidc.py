"""Sign-in through the host's OpenID provider (use_cases.oidc holds the rules).

- `GET /auth/oidc/start?to=...`: sends the browser to the provider, with the sign-in's
  state, nonce and PKCE verifier sealed in a short-lived HttpOnly cookie of its own.
- `GET /auth/oidc/callback?state=...&code=...`: the provider sends the browser back
  here; the portal checks and spends the state, exchanges the code, checks the ID
  token, makes or updates the user, sets the same session cookie as every sign-in and
  goes on to `to` (a path of this portal or a page on this host) or the Integrations page.

The pending sign-in is a cookie rather than a database row: starting one, which anybody
can do, writes nothing, and the cookie ties the callback to the browser that started it
(a callback begun elsewhere finds no matching state). Its state is spent in the
database at the callback, so each one signs in once.
Both answer 404 unless PORTAL_OIDC_ISSUER is set.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlencode

from sqlalchemy import Engine
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from kombo_portal.api.handoff import destination
from kombo_portal.api.sign_in import refusal_page, set_session_cookie
from kombo_portal.config import Settings
from kombo_portal.config.oidc import DEFAULT_OIDC_NAME, OidcSettings
from kombo_portal.i18n import preferred_language, translate
from kombo_portal.paths import INTEGRATIONS_PATH, OIDC_CALLBACK_PATH, OIDC_START_PATH
from kombo_portal.use_cases.oidc import (
    PENDING_LIFETIME,
    OidcRefused,
    OpenIDProvider,
    Outcome,
    begin_sign_in,
    finish_sign_in,
    seal,
    unseal,
)

# Sent only to the two routes above.
OIDC_COOKIE = "kombo_portal_oidc"
OIDC_COOKIE_PATH = "/auth/oidc"
# Longer query values are no honest provider's; they are cut before anything reads them.
MAX_PARAMETER_LENGTH = 4096

MESSAGES = {
    Outcome.AGAIN: ("oidc.again", 400),
    Outcome.REFUSED: ("oidc.refused", 400),
    Outcome.UNAVAILABLE: ("oidc.unavailable", 502),
}

logger = logging.getLogger(__name__)


def display_name(settings: OidcSettings, language: str) -> str:
    """What the pages call the provider: PORTAL_OIDC_NAME, or the default in `language`."""
    if settings.name == DEFAULT_OIDC_NAME:
        return translate(language, "oidc.default_name")
    return settings.name


def redirect_uri(request: Request, settings: Settings) -> str:
    """This host's callback, as the provider must have it registered. Behind a proxy
    that ends TLS the request looks like plain HTTP; PORTAL_COOKIE_SECURE says it is not."""
    scheme = "https" if settings.security.cookie_secure else request.url.scheme
    return f"{scheme}://{request.url.netloc}{OIDC_CALLBACK_PATH}"


def oidc_routes(get_engine: Callable[[], Engine], get_settings: Callable[[], Settings]):
    # The provider's metadata and keys, kept between sign-ins while the settings stay.
    providers: dict[OidcSettings, OpenIDProvider] = {}

    def provider_for(settings: OidcSettings) -> OpenIDProvider:
        if settings not in providers:
            providers.clear()
            providers[settings] = OpenIDProvider(settings)
        return providers[settings]

    def refused(request: Request, settings: Settings, refusal: OidcRefused, to: str) -> Response:
        # The reason, never a code or token: the operator's log is not the person's page.
        logger.warning("OpenID Connect sign-in refused: %s", refusal.reason)
        language = preferred_language(request.headers.get("accept-language", ""))
        message, status = MESSAGES[refusal.outcome]
        again = f"{OIDC_START_PATH}?{urlencode({'to': to})}"
        page = refusal_page(
            language,
            message,
            link=(again, "oidc.try_again") if refusal.outcome != Outcome.REFUSED else None,
            name=display_name(settings.oidc, language),
        )
        response = HTMLResponse(page, status_code=status)
        response.delete_cookie(OIDC_COOKIE, path=OIDC_COOKIE_PATH)
        return response

    async def start(request: Request) -> Response:
        settings = get_settings()
        if not settings.oidc.enabled:
            return PlainTextResponse("Not Found", status_code=404)
        to = destination(request.query_params.get("to", ""), request)
        try:
            url, pending = await begin_sign_in(
                provider_for(settings.oidc), redirect_uri(request, settings), to
            )
        except OidcRefused as refusal:
            return refused(request, settings, refusal, to)
        response = RedirectResponse(url, status_code=303)
        response.set_cookie(
            OIDC_COOKIE,
            seal(pending, settings.security.secret_key),
            max_age=int(PENDING_LIFETIME.total_seconds()),
            path=OIDC_COOKIE_PATH,
            httponly=True,
            # Lax: the provider sends the browser back with a top-level GET, which carries it.
            samesite="lax",
            secure=settings.security.cookie_secure,
        )
        return response

    async def callback(request: Request) -> Response:
        settings = get_settings()
        if not settings.oidc.enabled:
            return PlainTextResponse("Not Found", status_code=404)
        pending = unseal(request.cookies.get(OIDC_COOKIE, ""), settings.security.secret_key)
        answer = {
            name: request.query_params[name][:MAX_PARAMETER_LENGTH]
            for name in ("state", "code", "error", "error_description")
            if name in request.query_params
        }
        to = pending.to if pending is not None else INTEGRATIONS_PATH
        try:
            signed_in = await finish_sign_in(
                get_engine(),
                provider_for(settings.oidc),
                settings.security.secret_key,
                pending,
                answer,
                timedelta(hours=settings.security.session_hours),
            )
        except OidcRefused as refusal:
            return refused(request, settings, refusal, to)
        logger.info("OpenID Connect sign-in: %s signed in as %s", signed_in.email, signed_in.role)
        response = RedirectResponse(to, status_code=303)
        set_session_cookie(response, signed_in.session_token, settings.security)
        response.delete_cookie(OIDC_COOKIE, path=OIDC_COOKIE_PATH)
        # The code is in this page's URL: it must not leave in a Referer.
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    return [
        Route(OIDC_START_PATH, start, methods=["GET"]),
        Route(OIDC_CALLBACK_PATH, callback, methods=["GET"]),
    ]
