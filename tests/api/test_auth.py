"""The routes that set and clear the HttpOnly session cookie."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlmodel import select
from starlette.requests import Request
from starlette.testclient import TestClient

from kombo_portal.api import create_backend_api
from kombo_portal.api.auth import same_host
from kombo_portal.config import get_settings
from kombo_portal.cookies import SESSION_COOKIE, SIGN_IN_NONCE_COOKIE, session_cookie_token
from kombo_portal.db.models import UserSession, utc_now
from kombo_portal.db.transaction import transaction
from kombo_portal.records.accounts import find_user
from kombo_portal.records.sessions import (
    grant_session,
    redeem_grant,
    resolve_session,
    start_session,
)
from tests.support.concurrency import twice_at_once

PAGE = "http://testserver"


NONCE = "the-signing-in-browsers-nonce"


@pytest.fixture
def client(engine):
    """A browser that signed in: it holds the nonce cookie its page set."""
    client = TestClient(create_backend_api(lambda: engine), follow_redirects=False)
    client.cookies.set(SIGN_IN_NONCE_COOKIE, NONCE, path="/auth")
    return client


def grant(engine, email="admin@acme.test", origin=PAGE, next_path="/settings/integrations", **kw):
    with transaction(engine) as session:
        return grant_session(
            session,
            find_user(session, email),
            get_settings().security.secret_key,
            nonce=NONCE,
            page_origin=origin,
            next_path=next_path,
            **kw,
        )


def signed_in_email(engine, token: str) -> str | None:
    with transaction(engine) as session:
        user = resolve_session(session, token, get_settings().security.secret_key)
    return user.email if user else None


def test_a_grant_sets_an_httponly_session_cookie_and_goes_on(client, engine, people):
    response = client.get(f"/auth/session?grant={grant(engine)}")

    assert response.status_code == 303
    assert response.headers["location"] == f"{PAGE}/settings/integrations"
    [cookie] = [
        header
        for header in response.headers.get_list("set-cookie")
        if header.startswith(f"{SESSION_COOKIE}=")
    ]
    assert any(  # the one-time nonce is spent
        header.startswith(f'{SIGN_IN_NONCE_COOKIE}=""')
        for header in response.headers.get_list("set-cookie")
    )
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    token = session_cookie_token(cookie.split(";")[0])
    assert signed_in_email(engine, token) == "admin@acme.test"


def test_a_grant_brought_twice_at_once_starts_one_session(engine, people):
    """The second request waits for the first to finish with the grant, then finds
    it spent (not both reading it before either deleted it)."""
    token, secret_key = grant(engine), get_settings().security.secret_key
    sessions_before = session_count(engine)

    def redeem(session):
        return redeem_grant(session, token, NONCE, secret_key)

    first, second = twice_at_once(engine, redeem, redeem)

    assert first is not None
    assert second is None
    assert session_count(engine) == sessions_before + 1


def session_count(engine) -> int:
    with transaction(engine) as session:
        return len(session.exec(select(UserSession)).all())


def test_a_grant_works_once(client, engine, people):
    token = grant(engine)
    client.get(f"/auth/session?grant={token}")

    again = client.get(f"/auth/session?grant={token}")

    assert again.status_code == 400
    assert "set-cookie" not in again.headers


@pytest.mark.parametrize("value", ["", "made-up", "x" * 500])
def test_unknown_grants_set_nothing(client, people, value):
    response = client.get(f"/auth/session?grant={value}")

    assert response.status_code == 400
    assert "set-cookie" not in response.headers


def test_an_expired_grant_sets_nothing(client, engine, people):
    token = grant(engine, now=utc_now() - timedelta(minutes=2))

    assert client.get(f"/auth/session?grant={token}").status_code == 400


def test_a_grant_never_sends_the_browser_to_another_host(client, engine, people):
    token = grant(engine, origin="https://evil.example")

    response = client.get(f"/auth/session?grant={token}")

    assert response.headers["location"] == "/settings/integrations"


def sign_out(client, token: str = "", *, to: str = f"{PAGE}/sign-in", **headers: str):
    """The page's sign-out: a form posted from the portal's own page."""
    headers = {"origin": PAGE, **headers}
    if token:
        headers["cookie"] = f"{SESSION_COOKIE}={token}"
    return client.post("/auth/sign-out", params={"to": to}, headers=headers)


def test_sign_out_ends_the_session_and_clears_the_cookie(client, engine, people):
    response = client.get(f"/auth/session?grant={grant(engine)}")
    token = response.cookies[SESSION_COOKIE]

    out = sign_out(client, token)

    assert out.status_code == 303
    assert out.headers["location"] == f"{PAGE}/sign-in"
    assert f'{SESSION_COOKIE}=""' in out.headers["set-cookie"]
    assert signed_in_email(engine, token) is None


def test_a_get_cannot_sign_anyone_out(client, engine, people):
    # An image tag on any page on the internet would make this request.
    token = client.get(f"/auth/session?grant={grant(engine)}").cookies[SESSION_COOKIE]

    response = client.get(
        "/auth/sign-out",
        params={"to": f"{PAGE}/sign-in"},
        headers={"cookie": f"{SESSION_COOKIE}={token}", "origin": PAGE},
    )

    assert response.status_code == 405
    assert "set-cookie" not in response.headers
    assert signed_in_email(engine, token) == "admin@acme.test"


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "https://evil.example"},
        {"origin": "null"},  # a sandboxed frame or a data: page
        {"origin": "http://testserver.evil.example"},
        {"origin": "", "referer": "https://evil.example/page"},
        {"origin": ""},  # neither header: nothing shows where it came from
    ],
)
def test_a_post_from_another_site_signs_nobody_out(client, engine, people, headers):
    token = client.get(f"/auth/session?grant={grant(engine)}").cookies[SESSION_COOKIE]

    response = sign_out(client, token, **headers)

    assert response.status_code == 403
    assert "set-cookie" not in response.headers
    assert signed_in_email(engine, token) == "admin@acme.test"


def test_a_post_whose_referer_is_this_site_signs_out_without_an_origin(client, engine, people):
    # Some browsers leave Origin out of same-origin form posts; the Referer then shows it.
    token = client.get(f"/auth/session?grant={grant(engine)}").cookies[SESSION_COOKIE]

    response = sign_out(client, token, origin="", referer=f"{PAGE}/settings/integrations")

    assert response.status_code == 303
    assert signed_in_email(engine, token) is None


@pytest.mark.parametrize("to", ["https://evil.example/sign-in", "//evil.example", "javascript:x"])
def test_sign_out_only_returns_to_this_host(client, people, to):
    response = sign_out(client, to=to)

    assert response.headers["location"] == "/sign-in"


def test_the_session_cookie_is_found_beside_malformed_cookies():
    header = 'a={"k":1}; other=b c; kombo_portal_session=tok'

    assert session_cookie_token(header) == "tok"
    assert session_cookie_token("") == ""


def test_a_grant_brought_by_another_browser_signs_nobody_in(engine, people):
    # Login CSRF: the grant is the attacker's, the browser is the victim's (no nonce,
    # or another one).
    for cookies in ({}, {SIGN_IN_NONCE_COOKIE: "someone-elses-nonce"}):
        victim = TestClient(create_backend_api(lambda: engine), follow_redirects=False)
        for name, value in cookies.items():
            victim.cookies.set(name, value, path="/auth")

        response = victim.get(f"/auth/session?grant={grant(engine)}")

        assert response.status_code == 400
        assert "set-cookie" not in response.headers


def test_signing_in_never_keeps_a_session_id_planted_before(client, engine, people):
    # Session fixation: someone left a session of their own in this browser's cookie.
    with transaction(engine) as session:
        planted = start_session(
            session, find_user(session, "admin@globex.test"), get_settings().security.secret_key
        )
    client.cookies.set(SESSION_COOKIE, planted)

    response = client.get(f"/auth/session?grant={grant(engine)}")

    token = response.cookies[SESSION_COOKIE]
    assert token != planted
    assert signed_in_email(engine, token) == "admin@acme.test"
    assert signed_in_email(engine, planted) == "admin@globex.test", "not made the victim's"


def browser_host(location: str) -> str | None:
    """The host a browser goes to for a Location: it drops tabs and newlines and
    reads `\\` as `/` (None: this host)."""
    cleaned = "".join(c for c in location if c not in "\t\n\r").replace("\\", "/").strip()
    return urlsplit(cleaned).hostname


@pytest.mark.parametrize(
    "to",
    [
        "http://evil.example\\@testserver/sign-in",
        "http://evil.example\t@testserver/sign-in",
        "http://testserver@evil.example/sign-in",
        "http://testserver.evil.example/sign-in",
        "http://evil.example#@testserver/sign-in",
        "http://evil.example?@testserver/sign-in",
        "https:/\\evil.example/sign-in",
        "/\\evil.example/sign-in",
        " http://evil.example/sign-in",
        "ftp://testserver/sign-in",
    ],
)
def test_sign_out_never_sends_the_browser_to_another_host(client, people, to):
    response = sign_out(client, to=to)

    assert response.status_code == 303
    assert browser_host(response.headers["location"]) in (None, "testserver")


@pytest.mark.parametrize(
    "url",
    [
        "http://evil.example\\@testserver/sign-in",
        "http://evil.example\t@testserver/sign-in",
        "http://user@testserver/sign-in",
        "http://testserver/sign-in\n",
    ],
)
def test_a_url_a_browser_could_read_differently_is_not_this_host(url):
    # Refused as it is, not thanks to how the framework later encodes the Location.
    request = Request({"type": "http", "headers": [(b"host", b"testserver")], "path": "/"})

    assert not same_host(url, request)
    assert same_host("http://testserver/sign-in", request)


def test_sign_out_goes_back_to_the_host_product_where_configured(engine, people):
    from starlette.applications import Starlette

    from kombo_portal.api.auth import auth_routes
    from kombo_portal.config import Settings

    host = "https://app.product.test/signed-out?from=portal"
    settings = Settings.from_environment({"PORTAL_HOST_SIGN_OUT_URL": host}, env_file=None)
    app = Starlette(routes=auth_routes(lambda: engine, lambda: settings))
    client = TestClient(app, follow_redirects=False)
    with transaction(engine) as session:
        token = start_session(
            session, find_user(session, "admin@acme.test"), settings.security.secret_key
        )

    out = sign_out(client, token)

    assert out.status_code == 303
    assert out.headers["location"] == host
    assert signed_in_email(engine, token) is None
    # A post from another site still signs nobody out, and goes nowhere.
    assert sign_out(client, origin="https://evil.test").status_code == 403


@pytest.mark.parametrize(
    ("mode", "other_port_allowed"), [("dev", True), ("prod", False)], ids=["dev", "prod"]
)
def test_another_port_of_this_host_is_this_host_only_in_development(
    monkeypatch, mode, other_port_allowed
):
    # Development serves the pages on :3000 and these routes on :8000; production serves
    # both on one port, so a page on another port there is not the portal's.
    monkeypatch.setenv("REFLEX_ENV_MODE", mode)
    request = Request({"type": "http", "headers": [(b"host", b"portal.test:8000")], "path": "/"})

    assert same_host("http://portal.test:8000/sign-in", request)
    assert same_host("http://portal.test:3000/sign-in", request) is other_port_allowed
    assert not same_host("http://other.test:8000/sign-in", request)
