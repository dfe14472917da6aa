"""The session cookie's own routes. Reflex event handlers can only set cookies from
JavaScript, which cannot make them HttpOnly; these routes can.

- `GET /auth/session?grant=...`: a successful sign-in (see state.auth) sends the
  browser here with a one-time grant; it sets the HttpOnly session cookie and
  sends the browser on to the page it came for.
- `POST /auth/sign-out?to=...`: ends the session, clears the cookie, and goes back
  to the sign-in page (only on this same host), or to the host product's page
  (PORTAL_HOST_SIGN_OUT_URL). Only a form posted from a page of
  this host signs out (its Origin, else its Referer, says so): a GET, or a post from
  another site, changes nothing (405, 403).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from html import escape
from urllib.parse import urlsplit

from reflex.utils.exec import is_prod_mode
from sqlalchemy import Engine
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from kombo_portal.api.sign_in import set_session_cookie as give_session_cookie
from kombo_portal.config import Settings
from kombo_portal.cookies import SESSION_COOKIE, SIGN_IN_NONCE_COOKIE
from kombo_portal.i18n import DEFAULT_LANGUAGE, preferred_language, translate
from kombo_portal.paths import AUTH_COOKIE_PATH, AUTH_SESSION_PATH, AUTH_SIGN_OUT_PATH, SIGN_IN_PATH
from kombo_portal.use_cases.sessions import sign_out as sign_out_everywhere
from kombo_portal.use_cases.sessions import take_session


def expired_page(language: str) -> str:
    """Said when a sign-in's grant is unknown, expired or spent: in the browser's language."""
    return f"""<!doctype html><html lang="{language}"><head><meta charset="utf-8">
<title>{escape(translate(language, "sign_in.expired_title"))}</title></head><body>
<p>{escape(translate(language, "sign_in.expired"))}</p>
</body></html>"""


EXPIRED_PAGE = expired_page(DEFAULT_LANGUAGE)


def same_host(url: str, request: Request) -> bool:
    """Only back to pages on the host this request came to: on its port in production
    (one port serves pages and routes), on any port in development (pages on :3000,
    these routes on :8000)."""
    # Browsers read `\` as `/`, drop tabs and newlines, and take what precedes `@` as
    # credentials: such a URL can name one host here and reach another there.
    if len(url) > MAX_URL_LENGTH or any(
        character <= " " or character in "\\@\x7f" for character in url
    ):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:  # an unclosed IPv6 bracket, say: no page of this host
        return False
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and parts.hostname == request.url.hostname
        and (parts.port == request.url.port or not is_prod_mode())
    )


# Longer is no page of ours (and would not fit the cookies it is sometimes kept in).
MAX_URL_LENGTH = 2000

NOT_FROM_THIS_SITE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Not signed out</title></head><body>
<p>You are still signed in: signing out works only from the portal's own page.</p>
</body></html>"""


def posted_from_this_host(request: Request) -> bool:
    """A cross-site request check: the browser's Origin header (or, where a browser
    leaves it out, the Referer) names a page of this host. Neither: refused."""
    origin = request.headers.get("origin", "")
    if origin and origin != "null":
        return same_host(origin, request)
    referer = request.headers.get("referer", "")
    return bool(referer) and not origin and same_host(referer, request)


def auth_routes(get_engine: Callable[[], Engine], get_settings: Callable[[], Settings]):
    async def set_session_cookie(request: Request) -> Response:
        settings = get_settings()
        grant = request.query_params.get("grant", "")[:200]
        redeemed = await take_session(
            get_engine(),
            settings.security.secret_key,
            grant,
            request.cookies.get(SIGN_IN_NONCE_COOKIE, ""),
            timedelta(hours=settings.security.session_hours),
        )
        if redeemed is None:
            language = preferred_language(request.headers.get("accept-language", ""))
            return HTMLResponse(expired_page(language), status_code=400)
        destination = redeemed.page_origin + redeemed.next_path
        if not same_host(destination, request):
            destination = redeemed.next_path
        response = RedirectResponse(destination, status_code=303)
        response.delete_cookie(SIGN_IN_NONCE_COOKIE, path=AUTH_COOKIE_PATH)
        give_session_cookie(response, redeemed.session_token, settings.security)
        return response

    async def end_session(request: Request) -> Response:
        settings = get_settings()
        if not posted_from_this_host(request):
            return HTMLResponse(NOT_FROM_THIS_SITE, status_code=403)
        token = request.cookies.get(SESSION_COOKIE, "")
        await sign_out_everywhere(get_engine(), settings.security.secret_key, token)
        # Back to the host product where the operator says so; else the page asked for.
        to = settings.sign_in.host_sign_out_url or request.query_params.get("to", "")
        trusted = to == settings.sign_in.host_sign_out_url or same_host(to, request)
        response = RedirectResponse(to if trusted else SIGN_IN_PATH, 303)
        response.delete_cookie(
            SESSION_COOKIE,
            path="/",
            httponly=True,
            samesite="lax",
            secure=settings.security.cookie_secure,
        )
        return response

    return [
        Route(AUTH_SESSION_PATH, set_session_cookie, methods=["GET"]),
        Route(AUTH_SIGN_OUT_PATH, end_session, methods=["POST"]),
    ]
