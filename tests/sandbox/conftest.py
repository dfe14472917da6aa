from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from kombo_portal.kombo import KomboClient, RetryPolicy
from kombo_portal.sandbox.app import SandboxConfig, create_sandbox_app
from kombo_portal.sandbox.models import SandboxWebhookDelivery
from kombo_portal.sandbox.outbox import WebhookSettings

SANDBOX_KEY = "ks_test_sandbox_key"
PUBLIC_URL = "http://sandbox.test"
RECEIVER_URL = "http://receiver.test/webhooks/kombo"


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    return SandboxConfig(
        api_key=SANDBOX_KEY, public_url=PUBLIC_URL, webhooks=WebhookSettings(RECEIVER_URL)
    )


@pytest.fixture
def sandbox_app(engine: Engine, sandbox_config: SandboxConfig) -> Starlette:
    return create_sandbox_app(sandbox_config, lambda: engine)


@pytest.fixture
async def kombo(sandbox_app: Starlette) -> AsyncIterator[KomboClient]:
    """The portal's own client, talking to the sandbox over in-process HTTP."""
    async with KomboClient(
        f"{PUBLIC_URL}/v1",
        SANDBOX_KEY,
        transport=httpx.ASGITransport(app=sandbox_app),
        retry=RetryPolicy(max_attempts=1),
    ) as client:
        yield client


@pytest.fixture
def control(sandbox_app: Starlette) -> TestClient:
    """Raw HTTP to the sandbox, authenticated, for control endpoints and error shapes."""
    return TestClient(
        sandbox_app, base_url=PUBLIC_URL, headers={"Authorization": f"Bearer {SANDBOX_KEY}"}
    )


@pytest.fixture
def browser(sandbox_app: Starlette) -> TestClient:
    """What the flow page's iframe would do: plain GETs and form POSTs, no API key."""
    return TestClient(sandbox_app, base_url=PUBLIC_URL)


def link_token(link: str) -> str:
    assert link.startswith(f"{PUBLIC_URL}/connect?token=")
    return link.rsplit("token=", 1)[1]


def complete_flow(control: TestClient, link: str, **fields: object) -> str:
    """The documented test-only path: what submitting the flow page's forms does."""
    response = control.post("/control/flow/complete", json={"link": link, **fields})
    assert response.status_code == 200, response.text
    return response.json()["data"]["activation_token"]


def outbox(engine: Engine) -> list[dict]:
    """The webhooks the sandbox has queued, oldest first, as parsed bodies."""
    with Session(engine) as session:
        rows = session.exec(
            select(SandboxWebhookDelivery).order_by(SandboxWebhookDelivery.created_at)
        ).all()
        return [json.loads(row.body) for row in rows]
