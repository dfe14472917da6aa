"""The session cookie's own routes. Reflex event handlers can only set cookies from
JavaScript, which cannot make them HttpOnly; these routes can.

- `GET /auth/session?grant=...`: a successful sign-in (see state.auth) sends the
  browser here with a one-time grant; it sets the HttpOnly session cookie and
  sends the browser on to the page it came for.
- `GET /auth/sign-out?to=...`: ends the session, clears the cookie, and goes back
  to the sign-in page (only on this same host).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from html import escape
from urllib.parse import urlsplit

from sqlalchemy import Engine
from starlette.requests import Request, cookie_parser
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from kombo_portal.config import Settings
from kombo_portal.db.threads import in_database_thread
from kombo_portal.db.transaction import transaction
from kombo_portal.i18n import DEFAULT_LANGUAGE, preferred_language, translate
from kombo_portal.services.sessions import end_session, redeem_grant

SESSION_COOKIE = "kombo_portal_session"
# Set by the signing-in page for /auth only; see services.sessions.grant_session.
SIGN_IN_NONCE_COOKIE = "kombo_portal_sign_in"
FALLBACK_PAGE = "/sign-in"


def expired_page(language: str) -> str:
    """Said when a sign-in's grant is unknown, expired or spent: in the browser's language."""
    return f"""<!doctype html><html lang="{language}"><head><meta charset="utf-8">
<title>{escape(translate(language, "sign_in.expired_title"))}</title></head><body>
<p>{escape(translate(language, "sign_in.expired"))}</p>
</body></html>"""


EXPIRED_PAGE = expired_page(DEFAULT_LANGUAGE)


def session_cookie_token(cookie_header: str) -> str:
    """The session token in a Cookie header, or "" (other, malformed cookies don't matter)."""
    return cookie_parser(cookie_header or "").get(SESSION_COOKIE, "")


def same_host(url: str, request: Request) -> bool:
    """Only back to pages on the host this request came to (any port: dev serves the
    page on :3000 and these routes on :8000)."""
    # Browsers read `\` as `/`, drop tabs and newlines, and take what precedes `@` as
    # credentials: such a URL can name one host here and reach another there.
    if any(character <= " " or character in "\\@\x7f" for character in url):
        return False
    parts = urlsplit(url)
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and parts.hostname == request.url.hostname
    )


def auth_routes(get_engine: Callable[[], Engine], get_settings: Callable[[], Settings]):
    async def take_session(request: Request) -> Response:
        settings = get_settings()
        grant = request.query_params.get("grant", "")[:200]

        def redeem():
            with transaction(get_engine()) as session:
                return redeem_grant(
                    session,
                    grant,
                    request.cookies.get(SIGN_IN_NONCE_COOKIE, ""),
                    settings.secret_key,
                    lifetime=timedelta(hours=settings.session_hours),
                )

        redeemed = await in_database_thread(redeem)
        if redeemed is None:
            language = preferred_language(request.headers.get("accept-language", ""))
            return HTMLResponse(expired_page(language), status_code=400)
        destination = redeemed.page_origin + redeemed.next_path
        if not same_host(destination, request):
            destination = redeemed.next_path
        response = RedirectResponse(destination, status_code=303)
        response.delete_cookie(SIGN_IN_NONCE_COOKIE, path="/auth")
        response.set_cookie(
            SESSION_COOKIE,
            redeemed.session_token,
            max_age=int(settings.session_hours * 3600),
            path="/",
            httponly=True,
            samesite="lax",
            secure=settings.cookie_secure,
        )
        return response

    async def sign_out(request: Request) -> Response:
        settings = get_settings()
        token = request.cookies.get(SESSION_COOKIE, "")

        def end():
            with transaction(get_engine()) as session:
                end_session(session, token, settings.secret_key)

        await in_database_thread(end)
        to = request.query_params.get("to", "")
        response = RedirectResponse(to if same_host(to, request) else FALLBACK_PAGE, 303)
        response.delete_cookie(
            SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=settings.cookie_secure
        )
        return response

    return [
        Route("/auth/session", take_session, methods=["GET"]),
        Route("/auth/sign-out", sign_out, methods=["GET"]),
    ]
