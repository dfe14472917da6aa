"""A tool's details that Kombo would not give are fetched after the portal restarts.

The production start command in real mode, the sandbox as its Kombo in a process of
its own. Kombo fails every details request while the connection's
`integration-created` webhook arrives: the card is recorded with the tool id and
the fetch fails. The portal is stopped before its next try, Kombo recovers, the
portal starts again: the details arrive, from what the database kept.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from harness.app_server import RunningApp, free_port, start_app, web_workdir_for
from harness.sandbox_server import SandboxServer, sandbox_server
from kombo_portal.db.engine import create_database_engine
from kombo_portal.db.models import Integration
from kombo_portal.db.transaction import reading, transaction
from kombo_portal.records.accounts import create_organisation

pytestmark = pytest.mark.slow

WITHIN_SECONDS = 90  # the first retry is 15 s after the failure, plus a restart


@pytest.fixture
def portal_and_kombo(tmp_path: Path) -> Iterator[tuple[RunningApp, SandboxServer]]:
    port = free_port()  # fixed before either starts: the sandbox needs the webhook URL
    with sandbox_server(
        tmp_path,
        f"http://127.0.0.1:{port}/webhooks/kombo",
        api_key=f"ks_prod_details_{secrets.token_hex(8)}",
        webhook_secret=f"whsec_details_{secrets.token_hex(16)}",
    ) as kombo:
        app = start_app(
            tmp_path,
            {
                "KOMBO_API_KEY": kombo.api_key,
                "KOMBO_API_BASE_URL": kombo.api_url,
                "KOMBO_WEBHOOK_SECRET": kombo.webhook_secret,
                "KOMBO_CONNECT_ORIGINS": kombo.url,
                "PORTAL_SECRET_KEY": secrets.token_urlsafe(48),
                "PORTAL_COOKIE_SECURE": "0",  # plain HTTP on loopback in this test
                "PORTAL_DEMO": "",
            },
            port=port,
            # The crash test's build: same settings baked in, built once for both.
            web_workdir=web_workdir_for("crash"),
        )
        try:
            yield app, kombo
        finally:
            app.stop()


def the_record(app: RunningApp) -> Integration | None:
    engine = create_database_engine(app.database_url)
    try:
        with reading(engine) as session:
            return session.exec(select(Integration)).first()
    finally:
        engine.dispose()


def wait_for(what: str, check, app: RunningApp, timeout: float = WITHIN_SECONDS):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"{what} within {timeout} s; the app's log:\n{app.log_tail(80)}")


def test_details_kombo_did_not_give_are_fetched_after_a_restart(portal_and_kombo):
    app, kombo = portal_and_kombo
    engine = create_database_engine(app.database_url)
    with transaction(engine) as session:
        organisation_id = create_organisation(session, "Acme Inc.").id
    engine.dispose()
    api = httpx.Client(
        base_url=kombo.api_url, headers={"Authorization": f"Bearer {kombo.api_key}"}, timeout=10
    )
    with api, kombo.control() as control:
        fault = {"kind": "500", "path_prefix": "/v1/integrations/", "method": "GET", "count": 1000}
        control.post("/faults", json=fault).raise_for_status()
        link = api.post(
            "/connect/create-link",
            json={
                "end_user_email": "admin@acme.test",
                "end_user_organization_name": "Acme Inc.",
                "end_user_origin_id": organisation_id,
                "integration_category": "HRIS",
            },
        )
        link.raise_for_status()
        control.post(
            "/flow/complete", json={"link": link.json()["data"]["link"], "tool": "personio"}
        ).raise_for_status()

        failed = wait_for(
            "the webhook's record, its details fetch failed",
            lambda: (record := the_record(app)) and record.details_failures >= 1 and record,
            app,
        )
        assert (failed.tool_label, failed.tool_logo_url) == ("personio", None)

        app.stop()
        control.delete("/faults").raise_for_status()
        app.restart()

    fetched = wait_for(
        "the details after the restart",
        lambda: (record := the_record(app)) and record.tool_logo_url and record,
        app,
    )
    assert fetched.tool_label == "Personio"
    assert (fetched.details_due_at, fetched.details_failures) == (None, 0)
    assert f"Details of {fetched.kombo_integration_id} fetched" in app.log_tail(400)
