"""`GET /auth/handoff?token=...&to=...`: the operator's product signs its user in.

Its backend makes a short-lived token (see use_cases.handoff) and sends the browser
here; the portal makes or updates the user, sets the same HttpOnly session cookie as a
password sign-in, and goes on to the Integrations page (or `to`, a path of this portal
or a page on this host).
Not found unless a hand-off key (PORTAL_HANDOFF_SECRET, _PUBLIC_KEY or _JWKS_URL) is set.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import Engine
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from kombo_portal.api.auth import same_host
from kombo_portal.api.sign_in import refusal_page, set_session_cookie
from kombo_portal.config import Settings
from kombo_portal.i18n import preferred_language
from kombo_portal.paths import INTEGRATIONS_PATH
from kombo_portal.use_cases.handoff import MAX_TOKEN_BYTES, HandoffRefused, sign_in_handed_off

AUTH_HANDOFF_PATH = "/auth/handoff"
MAX_PATH_LENGTH = 2000

logger = logging.getLogger(__name__)


def local_path(to: str) -> str | None:
    """`to` if it is a path of this portal ("/..."), else None: never another host,
    whether spelled `//host`, `/\\host`, with a scheme, or with characters browsers drop."""
    if (
        not to.startswith("/")
        or to.startswith(("//", "/\\"))
        or len(to) > MAX_PATH_LENGTH
        or any(character <= " " or character in "\\\x7f" for character in to)
    ):
        return None
    return to


def destination(to: str, request: Request) -> str:
    """Where a signed-in hand-off goes on: `to` if it is a path of this portal or a page
    on this host (in development the pages are on another port than this route), else
    the Integrations page."""
    if local_path(to) is not None or same_host(to, request):
        return to
    return INTEGRATIONS_PATH


def refused_page(language: str, expired: bool) -> str:
    """What the person sees, in their browser's language: expired links can be opened
    again from the product; the others need the operator."""
    return refusal_page(language, "handoff.expired" if expired else "handoff.refused")


def handoff_route(get_engine: Callable[[], Engine], get_settings: Callable[[], Settings]):
    async def hand_off(request: Request) -> Response:
        settings = get_settings()
        if not settings.handoff.enabled:
            return PlainTextResponse("Not Found", status_code=404)
        # Cut before anything reads it: an oversized token is refused by its length.
        token = request.query_params.get("token", "")[: MAX_TOKEN_BYTES + 1]
        try:
            handed_off = await sign_in_handed_off(
                get_engine(),
                settings.handoff,
                settings.security.secret_key,
                token,
                timedelta(hours=settings.security.session_hours),
            )
        except HandoffRefused as refused:
            # The reason, never the token (it would sign in whoever reads the log).
            logger.warning("sign-in hand-off refused: %s", refused.reason)
            language = preferred_language(request.headers.get("accept-language", ""))
            status = 401 if refused.expired else 400
            return HTMLResponse(refused_page(language, refused.expired), status_code=status)
        logger.info("sign-in hand-off: %s signed in as %s", handed_off.email, handed_off.role)
        to = destination(request.query_params.get("to", ""), request)
        response = RedirectResponse(to, status_code=303)
        set_session_cookie(response, handed_off.session_token, settings.security)
        # The token is in this page's URL: it must not leave in a Referer.
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    return Route(AUTH_HANDOFF_PATH, hand_off, methods=["GET"])
