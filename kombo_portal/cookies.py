"""The portal's own cookies: their names, and reading the session's from a header.

Set by the sign-in routes (api.auth) and read by the page's state (state.auth), which
sees only the Cookie header its tab's connection opened with.
"""

from __future__ import annotations

from starlette.requests import cookie_parser

# The random session token (HttpOnly: scripts cannot read it); see records.sessions.
SESSION_COOKIE = "kombo_portal_session"
# Set by the signing-in page for the /auth routes only; see records.sessions.grant_session.
SIGN_IN_NONCE_COOKIE = "kombo_portal_sign_in"


def session_cookie_token(cookie_header: str) -> str:
    """The session token in a Cookie header, or "" (other, malformed cookies don't matter)."""
    return cookie_parser(cookie_header or "").get(SESSION_COOKIE, "")
