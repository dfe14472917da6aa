"""Every line the server writes, Reflex's, the web server's and the portal's own, at
DEBUG level: a whole flow (sign-in, connect, webhooks, an invitation, sign-out) runs
in Chromium against the production build in real mode, and no line holds the API
key, the webhook secret, the session cookie, an activation token, a Connect link's
token or a password."""

from __future__ import annotations

import secrets
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from harness.app_server import RunningApp, free_port, start_app, web_workdir_for
from harness.sandbox_server import SandboxServer, sandbox_server
from kombo_portal.cookies import SESSION_COOKIE
from tests.browser.portal import PASSWORD, connect_through_the_flow, new_organisation, sign_in
from tests.browser.test_invitations import invite, magic_link

MARK = secrets.token_hex(6)
API_KEY = f"ks_prod_logscan{MARK}apikey"
WEBHOOK_SECRET = f"whsec_logscan{MARK}webhook"
FLOW_PASSWORD = f"flow-password-{MARK}"


@pytest.fixture
def debug_setup(tmp_path: Path) -> Iterator[tuple[RunningApp, SandboxServer]]:
    port = free_port()
    with sandbox_server(
        tmp_path,
        f"http://127.0.0.1:{port}/webhooks/kombo",
        api_key=API_KEY,
        webhook_secret=WEBHOOK_SECRET,
    ) as kombo:
        app = start_app(
            tmp_path,
            {
                "KOMBO_API_KEY": API_KEY,
                "KOMBO_WEBHOOK_SECRET": WEBHOOK_SECRET,
                "PORTAL_SECRET_KEY": f"logscan-secret-key-{secrets.token_urlsafe(32)}",
                "KOMBO_API_BASE_URL": kombo.api_url,
                "KOMBO_CONNECT_ORIGINS": kombo.url,
                "PORTAL_COOKIE_SECURE": "0",  # plain HTTP on loopback in this test
                "PORTAL_DEMO": "",
                "PORTAL_LOG_LEVEL": "DEBUG",
                "REFLEX_LOGLEVEL": "debug",
            },
            port=port,
            # The secrets test's build: the same settings are baked in.
            web_workdir=web_workdir_for("real"),
        )
        try:
            yield app, kombo
        finally:
            app.stop()


def tokens_in(kombo: SandboxServer, table: str) -> list[str]:
    """What the sandbox (as Kombo) handed out: links' and activation tokens."""
    with sqlite3.connect(kombo.database_url.removeprefix("sqlite:///")) as db:
        return [token for (token,) in db.execute(f"SELECT token FROM {table}")]  # noqa: S608


def link_token(url: str) -> str:
    [token] = parse_qs(urlsplit(url).query)["token"]
    return token


def test_a_whole_flow_at_debug_level_leaves_no_secret_in_any_line(debug_setup, page: Page):
    app, kombo = debug_setup
    account = new_organisation(app)

    sign_in(page, app, account.email)
    [session] = [c["value"] for c in page.context.cookies() if c["name"] == SESSION_COOKIE]
    connect_through_the_flow(page, "HRIS", "Personio", password=FLOW_PASSWORD)
    expect(page.get_by_text("Personio", exact=True)).to_be_visible()
    invite(page, "colleague@example.test")
    invitation = magic_link(app, "colleague@example.test")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    time.sleep(1)  # the last lines reach the log

    tokens = tokens_in(kombo, "sandbox_activation_token")
    links = tokens_in(kombo, "sandbox_link")
    assert tokens, "the flow gave an activation token"
    assert link_token(invitation) in links and len(links) == 2, "a Connect link, an invitation"
    must_not_appear = {
        "API key": API_KEY,
        "webhook secret": WEBHOOK_SECRET,
        "session cookie": session,
        "portal password": PASSWORD,
        "password typed in the flow": FLOW_PASSWORD,
        **{f"link token {n}": token for n, token in enumerate(links)},
        **{f"activation token {n}": token for n, token in enumerate(tokens)},
    }
    lines = app.log_path.read_text(errors="replace").splitlines()
    # The scan read a real DEBUG log: Reflex's and the portal's lines are both there.
    assert len(lines) > 50
    assert any("DEBUG" in line or '"debug"' in line for line in lines)
    found = [
        (what, line[:300])
        for line in lines
        for what, value in must_not_appear.items()
        if value in line
    ]
    assert found == []
