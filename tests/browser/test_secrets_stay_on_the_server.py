"""Secrets never reach the browser, with real settings: the production build runs with a
distinctive Kombo API key, webhook secret and secret key, its Kombo client pointed at the
sandbox running as a process of its own; a full connect flow runs in Chromium, and
neither the built frontend, nor any websocket frame, nor any response the page
received, contains any of them."""

from __future__ import annotations

import gzip
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, Response, WebSocket, expect

from harness.app_server import (
    PROJECT_ROOT,
    RunningApp,
    free_port,
    start_app,
    web_workdir_for,
)
from harness.sandbox_server import SandboxServer, sandbox_server
from tests.browser.portal import connect_through_the_flow, new_organisation, sign_in

MARK = secrets.token_hex(6)
API_KEY = f"ks_prod_scanme{MARK}apikey"
WEBHOOK_SECRET = f"whsec_scanme{MARK}webhook"
SECRET_KEY = f"scanme{MARK}portal-secret-key-{secrets.token_urlsafe(24)}"
SECRETS = {
    "KOMBO_API_KEY": API_KEY,
    "KOMBO_WEBHOOK_SECRET": WEBHOOK_SECRET,
    "PORTAL_SECRET_KEY": SECRET_KEY,
}
WEB_WORKDIR = web_workdir_for("real")


@pytest.fixture(scope="module")
def real_setup(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[RunningApp, SandboxServer]]:
    work_dir = tmp_path_factory.mktemp("real")
    port = free_port()
    with sandbox_server(
        work_dir,
        f"http://127.0.0.1:{port}/webhooks/kombo",
        api_key=API_KEY,
        webhook_secret=WEBHOOK_SECRET,
    ) as kombo:
        app = start_app(
            work_dir,
            {
                **SECRETS,
                "KOMBO_API_BASE_URL": kombo.api_url,
                # The flow page comes from the sandbox's own address.
                "KOMBO_CONNECT_ORIGINS": kombo.url,
                # Plain HTTP on loopback in this test; behind TLS it stays on.
                "PORTAL_COOKIE_SECURE": "0",
                "PORTAL_DEMO": "",
            },
            port=port,
            web_workdir=WEB_WORKDIR,
        )
        try:
            yield app, kombo
        finally:
            app.stop()


def contains_a_secret(data: bytes | str) -> list[str]:
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    return [name for name, value in SECRETS.items() if value in text]


def built_files() -> list[Path]:
    return [
        path
        for path in (PROJECT_ROOT / WEB_WORKDIR / "build" / "client").rglob("*")
        if path.is_file()
    ]


def wait_for_delivered_webhook(kombo: SandboxServer) -> dict:
    deadline = time.monotonic() + 30
    with kombo.control() as control:
        while time.monotonic() < deadline:
            deliveries = control.get("/webhooks").json()["data"]["deliveries"]
            created = [d for d in deliveries if d["type"] == "integration-created"]
            if created and created[0].get("delivered_at"):
                return created[0]
            time.sleep(0.3)
    raise AssertionError(f"integration-created was not delivered: {deliveries}")


def test_no_secret_in_the_build_the_websocket_or_any_response(real_setup, page: Page):
    app, kombo = real_setup
    frames: list[str | bytes] = []
    bodies: dict[str, bytes] = {}
    headers: dict[str, str] = {}

    def keep_body(response: Response | None) -> None:
        # Read at once: a page navigated away from no longer has its bodies.
        if response is None:
            return
        headers[response.url] = str(response.headers)
        if not 300 <= response.status < 400:
            bodies[response.url] = response.body()

    def watch(socket: WebSocket) -> None:
        socket.on("framesent", lambda frame: frames.append(frame))
        socket.on("framereceived", lambda frame: frames.append(frame))

    page.on("websocket", watch)
    page.on("requestfinished", lambda request: keep_body(request.response()))
    account = new_organisation(app)

    sign_in(page, app, account.email)
    connect_through_the_flow(page, "HRIS", "Personio")
    expect(page.get_by_text("Personio", exact=True)).to_be_visible()
    delivery = wait_for_delivered_webhook(kombo)
    page.reload()  # a fresh page: hydration sends the whole state again
    expect(page.get_by_text("Personio", exact=True)).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()

    # The scan saw a real flow: the key was used, the signed webhook accepted.
    assert delivery["last_status"] == 200
    assert len(frames) > 20
    found_in_frames = [
        (frame[:80], contains_a_secret(frame)) for frame in frames if contains_a_secret(frame)
    ]
    assert found_in_frames == []

    assert len(bodies) > 5
    assert any("/connect" in url for url in bodies), "the flow page's own responses were read"
    assert [url for url, body in bodies.items() if contains_a_secret(body)] == []
    assert [url for url, text in headers.items() if contains_a_secret(text)] == []
    # Nor did the server write one into its own log.
    assert contains_a_secret(app.log_path.read_text(errors="replace")) == []

    files = built_files()
    assert len(files) > 10
    for path in files:
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
        assert contains_a_secret(data) == [], path


def test_the_real_mode_page_frames_only_the_configured_connect_origin(real_setup):
    app, kombo = real_setup

    policy = httpx.get(f"{app.url}/healthz").headers["content-security-policy"]

    assert f"frame-src {kombo.url};" in policy
