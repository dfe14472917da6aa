"""What every sign-in route answers with: the session cookie when someone is signed in
(a password's grant, a hand-off, OpenID Connect), and a short page in the browser's
language when nobody is."""

from __future__ import annotations

from html import escape

from starlette.responses import Response

from kombo_portal.config.security import SecuritySettings
from kombo_portal.cookies import SESSION_COOKIE
from kombo_portal.i18n import translate


def set_session_cookie(response: Response, token: str, security: SecuritySettings) -> None:
    """The session's random token, where scripts cannot read it (HttpOnly), sent on
    top-level visits from other sites (Lax: a link from the host product) but not on
    their posts, and only over HTTPS where the portal is served so."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(security.session_hours * 3600),
        path="/",
        httponly=True,
        samesite="lax",
        secure=security.cookie_secure,
    )


def refusal_page(
    language: str,
    message_key: str,
    *,
    title_key: str = "handoff.refused_title",
    link: tuple[str, str] | None = None,
    **values: object,
) -> str:
    """A page that says why nobody was signed in; `link` is (href, text key), a way on."""
    way_on = ""
    if link is not None:
        href, text_key = link
        way_on = f'\n<p><a href="{escape(href)}">{escape(translate(language, text_key))}</a></p>'
    return f"""<!doctype html><html lang="{language}"><head><meta charset="utf-8">
<title>{escape(translate(language, title_key))}</title></head><body>
<p>{escape(translate(language, message_key, **values))}</p>{way_on}
</body></html>"""
