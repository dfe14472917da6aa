"""Security headers: the policy built from the settings, and the middleware that sends it."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.responses import HTMLResponse, PlainTextResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocket

from kombo_portal.api.security import (
    HSTS_VALUE,
    SecurityHeaders,
    SecurityPolicy,
    inline_script_hashes,
)
from kombo_portal.config import Settings

REAL = {
    "KOMBO_API_KEY": "ks_test_key",
    "KOMBO_WEBHOOK_SECRET": "whsec_test",
    "PORTAL_SECRET_KEY": "k" * 16 + "-a-long-and-random-enough-key",
}


def directives(policy: str) -> dict[str, str]:
    parts = (part.strip().split(" ", 1) for part in policy.split(";"))
    return {part[0]: part[1] if len(part) > 1 else "" for part in parts}


def sha256_source(script: bytes) -> str:
    return f"'sha256-{base64.b64encode(hashlib.sha256(script).digest()).decode()}'"


def test_sandbox_mode_frames_this_origin_the_sandbox_and_kombo_connect():
    policy = SecurityPolicy.from_settings(
        Settings.from_environment({}), sandbox_url="http://localhost:8000/sandbox/kombo"
    )

    assert policy.frame_sources == (
        "'self'",
        "http://localhost:8000",
        "https://connect.kombo.dev",
    )
    # The sandbox's tool logos, served at the backend URL.
    img_src = directives(policy.content_security_policy())["img-src"].split()
    assert "http://localhost:8000" in img_src
    assert policy.https is False


def test_real_mode_frames_only_the_configured_connect_origins():
    settings = Settings.from_environment(
        {**REAL, "KOMBO_CONNECT_ORIGINS": "https://connect.kombo.dev,http://127.0.0.1:9000"}
    )
    # No sandbox in real mode: its URL is not framed even if one is passed.
    policy = SecurityPolicy.from_settings(settings, sandbox_url="http://localhost:8000/x")

    assert policy.frame_sources == ("https://connect.kombo.dev", "http://127.0.0.1:9000")
    assert policy.https is True


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("none", ("'none'",)),
        ("'self'", ("'self'",)),
        ("self, https://app.example.com", ("'self'", "https://app.example.com")),
    ],
)
def test_frame_ancestors_setting(value: str, expected: tuple[str, ...]):
    settings = Settings.from_environment({"PORTAL_FRAME_ANCESTORS": value})

    assert settings.security.frame_ancestors == expected


def test_inline_scripts_are_allowed_by_hash_and_external_ones_are_not_hashed(tmp_path: Path):
    (tmp_path / "index.html").write_text(
        "<html><head><script>window.a = 1;</script>"
        '<script type="module" async="">import "/x.js";</script>'
        '<script src="/assets/app.js"></script><script> </script></head></html>'
    )
    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "page.html").write_text("<script>window.a = 1;</script>")

    hashes = inline_script_hashes(tmp_path.rglob("*.html"))

    assert hashes == tuple(
        sorted([sha256_source(b"window.a = 1;"), sha256_source(b'import "/x.js";')])
    )


def test_the_policy_names_each_directive_the_app_needs_and_no_unsafe_script(tmp_path: Path):
    (tmp_path / "index.html").write_text("<script>boot()</script>")
    policy = SecurityPolicy(
        frame_sources=("https://connect.kombo.dev",),
        frame_ancestors=("'self'",),
        https=False,
        pages_folder=lambda: tmp_path,
    )

    csp = directives(policy.content_security_policy())

    assert csp["default-src"] == "'self'"
    assert csp["script-src"] == f"'self' {sha256_source(b'boot()')}"
    assert csp["frame-src"] == "https://connect.kombo.dev"
    assert csp["frame-ancestors"] == "'self'"
    assert csp["connect-src"] == "'self'"
    assert csp["object-src"] == "'none'"
    assert "unsafe-eval" not in policy.content_security_policy()
    assert "'unsafe-inline'" not in csp["script-src"]


def app_with(policy: SecurityPolicy) -> TestClient:
    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("hello")
        await websocket.close()

    inner = Starlette(
        routes=[
            Route("/", lambda request: HTMLResponse("<p>page</p>")),
            Route(
                "/frame-me",
                lambda request: PlainTextResponse(
                    "x", headers={"Content-Security-Policy": "default-src *"}
                ),
            ),
            Mount("/sandbox/kombo", routes=[Route("/connect", lambda r: HTMLResponse("flow"))]),
            WebSocketRoute("/ws", echo),
        ]
    )
    return TestClient(SecurityHeaders(inner, policy))


def test_every_response_carries_the_headers_and_replaces_any_policy_of_its_own(tmp_path: Path):
    client = app_with(
        SecurityPolicy(
            frame_sources=("'self'",), frame_ancestors=("'none'",), https=False,
            pages_folder=lambda: tmp_path / "missing",
        )
    )  # fmt: skip

    for path in ("/", "/frame-me", "/nowhere"):
        response = client.get(path)
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers.get_list("content-security-policy") == [
            response.headers["content-security-policy"]
        ]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert response.headers["x-frame-options"] == "DENY"
        assert "strict-transport-security" not in response.headers


def test_hsts_only_when_served_over_https(tmp_path: Path):
    client = app_with(
        SecurityPolicy(
            frame_sources=(), frame_ancestors=("'self'",), https=True,
            pages_folder=lambda: tmp_path,
        )
    )  # fmt: skip

    response = client.get("/")

    assert response.headers["strict-transport-security"] == HSTS_VALUE
    assert response.headers["x-frame-options"] == "SAMEORIGIN"
    assert "frame-src 'none'" in response.headers["content-security-policy"]


def test_the_sandbox_flow_page_may_be_framed_by_any_app_like_kombos(tmp_path: Path):
    policy = SecurityPolicy(
        frame_sources=("'self'",),
        frame_ancestors=("'none'",),
        https=False,
        pages_folder=lambda: tmp_path,
        sandbox_path="/sandbox/kombo",
    )
    client = app_with(policy)

    flow = client.get("/sandbox/kombo/connect")
    page = client.get("/")

    assert "frame-ancestors" not in flow.headers["content-security-policy"]
    assert "x-frame-options" not in flow.headers
    assert flow.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


def test_websockets_pass_through_untouched(tmp_path: Path):
    client = app_with(SecurityPolicy(frame_sources=(), frame_ancestors=("'self'",), https=False))

    with client.websocket_connect("/ws") as websocket:
        assert websocket.receive_text() == "hello"


def test_pages_built_after_the_first_request_get_their_scripts_allowed(tmp_path: Path):
    policy = SecurityPolicy(
        frame_sources=(), frame_ancestors=("'self'",), https=False, pages_folder=lambda: tmp_path
    )
    before = directives(policy.content_security_policy())["script-src"]
    (tmp_path / "index.html").write_text("<script>late()</script>")

    after = directives(policy.content_security_policy())["script-src"]

    assert before == "'self'"
    assert after == f"'self' {sha256_source(b'late()')}"
