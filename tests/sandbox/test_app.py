"""The sandbox's endpoints are module-level and read their settings from the app
that serves them (`request.app.state`): two sandboxes in one process, mounted or
not, each answer with their own key, links and faults."""

from __future__ import annotations

from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from kombo_portal.sandbox.app import SandboxConfig, create_sandbox_app
from kombo_portal.sandbox.outbox import WebhookSettings

LINK = {"end_user_email": "admin@acme.test", "end_user_organization_name": "Acme Inc."}


def sandbox(engine: Engine, name: str) -> Starlette:
    config = SandboxConfig(
        api_key=f"ks_test_{name}",
        public_url=f"http://portal.test/{name}",
        webhooks=WebhookSettings(f"http://receiver.test/{name}"),
    )
    return create_sandbox_app(config, lambda: engine)


def test_each_mounted_sandbox_answers_with_its_own_settings(engine):
    first, second = sandbox(engine, "first"), sandbox(engine, "second")
    portal = TestClient(Starlette(routes=[Mount("/first", first), Mount("/second", second)]))

    def create_link(name: str, key: str) -> tuple[int, str]:
        response = portal.post(
            f"/{name}/v1/connect/create-link",
            json=LINK,
            headers={"Authorization": f"Bearer {key}"},
        )
        link = response.json()["data"]["link"] if response.status_code == 200 else ""
        return response.status_code, link

    assert create_link("first", "ks_test_second")[0] == 401
    status, link = create_link("second", "ks_test_second")
    assert status == 200
    assert link.startswith("http://portal.test/second/connect?token=")


def test_faults_belong_to_the_sandbox_they_were_set_on(engine):
    first, second = sandbox(engine, "first"), sandbox(engine, "second")
    first_client = TestClient(first, headers={"Authorization": "Bearer ks_test_first"})
    second_client = TestClient(second, headers={"Authorization": "Bearer ks_test_second"})

    first_client.post("/control/faults", json={"kind": "500"})

    assert second_client.get("/v1/check-api-key").status_code == 200
    assert first_client.get("/v1/check-api-key").status_code == 500
    assert second_client.get("/control/faults").json()["data"]["faults"] == []
