"""The sandbox's API, driven through the portal's own Kombo client."""

import asyncio
import dataclasses
import threading
from datetime import timedelta

import pytest
from sqlmodel import Session, select
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

from kombo_portal.db.models import utc_now
from kombo_portal.db.transaction import transaction
from kombo_portal.kombo import (
    CreateLinkRequest,
    IntegrationCategory,
    IntegrationState,
    KomboError,
    Language,
    LinkType,
    SetupStatus,
)
from kombo_portal.sandbox.context import SandboxContext
from kombo_portal.sandbox.envelope import kombo_endpoint
from kombo_portal.sandbox.faults import Faults
from kombo_portal.sandbox.models import SandboxActivationToken, SandboxLink
from tests.sandbox.conftest import PUBLIC_URL, SANDBOX_KEY, complete_flow, link_token, outbox

ACME = CreateLinkRequest(
    end_user_email="admin@acme.test", end_user_organization_name="Acme", end_user_origin_id="org_1"
)


async def connect(kombo, control, request=ACME, **fields) -> str:
    """Create a link, complete its flow, exchange the token: the new integration's id."""
    link = await kombo.create_link(request)
    token = complete_flow(control, link, **fields)
    return (await kombo.integration_by_token(token)).id


async def test_create_link_returns_a_flow_link_with_kombos_defaults(kombo, engine):
    link = await kombo.create_link(ACME)

    with Session(engine) as session:
        stored = session.get(SandboxLink, link_token(link))
    assert stored.category == "HRIS"
    assert stored.language == "en"
    assert stored.link_type == "EMBEDDED"
    lifetime = stored.expires_at - stored.created_at
    assert lifetime == timedelta(hours=1)


async def test_magic_links_live_a_year(kombo, engine):
    link = await kombo.create_link(ACME.model_copy(update={"link_type": LinkType.MAGIC_LINK}))

    with Session(engine) as session:
        stored = session.get(SandboxLink, link_token(link))
    assert stored.expires_at - stored.created_at == timedelta(days=365)


async def test_the_whole_connect_path_creates_an_integration_and_announces_it(
    kombo, control, engine
):
    link = await kombo.create_link(ACME.model_copy(update={"integration_tool": "personio"}))
    token = complete_flow(control, link)

    created = await kombo.integration_by_token(token)

    assert created.tool == "personio"
    assert created.id.startswith("personio:")
    assert len(created.id.split(":")[1]) == 24
    assert created.id.split(":")[1].isalnum()
    assert created.end_user_origin_id == "org_1"
    assert created.end_user_organization_name == "Acme"
    assert created.end_user_email == "admin@acme.test"
    assert created.setup_status is SetupStatus.COMPLETED

    details = await kombo.get_integration(created.id)
    assert details.tool.label == "Personio"
    assert details.tool.logo_url == f"{PUBLIC_URL}/assets/tools/personio.svg"
    assert details.category is IntegrationCategory.HRIS
    assert details.status is IntegrationState.ACTIVE
    assert details.end_user.origin_id == "org_1"

    [event] = outbox(engine)
    assert event["type"] == "integration-created"
    assert event["data"] == {
        "id": created.id,
        "tool": "personio",
        "category": "HRIS",
        "end_user": {
            "organization_name": "Acme",
            "creator_email": "admin@acme.test",
            "origin_id": "org_1",
        },
    }


async def test_an_activation_token_works_once(kombo, control):
    link = await kombo.create_link(ACME)
    token = complete_flow(control, link)
    await kombo.integration_by_token(token)

    with pytest.raises(KomboError) as replay:
        await kombo.integration_by_token(token)

    assert (replay.value.status, replay.value.code) == (400, "PLATFORM.INPUT_INVALID")
    assert "already been used" in replay.value.message


async def test_an_activation_token_expires_after_ten_minutes(kombo, control, engine):
    link = await kombo.create_link(ACME)
    token = complete_flow(control, link)
    with Session(engine) as session:
        stored = session.get(SandboxActivationToken, token)
        assert stored.expires_at - stored.created_at == timedelta(minutes=10)
        stored.expires_at = utc_now() - timedelta(seconds=1)
        session.add(stored)
        session.commit()

    with pytest.raises(KomboError) as expired:
        await kombo.integration_by_token(token)

    assert "expired" in expired.value.message


async def test_an_unknown_activation_token_is_refused(kombo):
    with pytest.raises(KomboError) as unknown:
        await kombo.integration_by_token("not-a-token")

    assert unknown.value.code == "PLATFORM.INPUT_INVALID"


async def test_a_completed_link_cannot_be_completed_again(kombo, control):
    link = await kombo.create_link(ACME)
    complete_flow(control, link)

    response = control.post("/control/flow/complete", json={"link": link})

    assert response.status_code == 400
    assert response.json()["error"]["message"] == "The link is used."


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"end_user_email": "not-an-email", "end_user_organization_name": "Acme"},
            "end_user_email",
        ),
        ({"end_user_organization_name": "Acme"}, "end_user_email"),
        (
            {"end_user_email": "a@acme.test", "end_user_organization_name": "  "},
            "end_user_organization_name",
        ),
        ({"end_user_email": "a@acme.test"}, "end_user_organization_name"),
        (
            {
                "end_user_email": "a@acme.test",
                "end_user_organization_name": "A",
                "integration_category": "CRM",
            },
            "integration_category",
        ),
        (
            {"end_user_email": "a@acme.test", "end_user_organization_name": "A", "language": "nl"},
            "language",
        ),
        (
            {
                "end_user_email": "a@acme.test",
                "end_user_organization_name": "A",
                "link_type": "EMAIL",
            },
            "link_type",
        ),
        (
            {
                "end_user_email": "a@acme.test",
                "end_user_organization_name": "A",
                "integration_tool": "notatool",
            },
            "integration_tool",
        ),
        (
            {
                "end_user_email": "a@acme.test",
                "end_user_organization_name": "A",
                "remote_environment": "eu",
            },
            "remote_environment",
        ),
        (
            {
                "end_user_email": "a@acme.test",
                "end_user_organization_name": "A",
                "enable_filtering": "yes",
            },
            "enable_filtering",
        ),
        (
            {
                "end_user_email": "a@acme.test",
                "end_user_organization_name": "A",
                "redirect_url": "https://x",
            },
            "redirect_url",
        ),
        ([1, 2], "JSON object"),
    ],
)
def test_create_link_refuses_invalid_input_and_stores_nothing(control, engine, body, message):
    response = control.post("/v1/connect/create-link", json=body)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "PLATFORM.INPUT_INVALID"
    assert message in error["message"]
    with Session(engine) as session:
        assert session.exec(select(SandboxLink)).all() == []


def test_malformed_json_is_refused(control):
    response = control.post(
        "/v1/connect/create-link",
        content=b'{"end_user_email": ',
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 400
    assert response.json() == {
        "status": "error",
        "error": {
            "code": "PLATFORM.INPUT_INVALID",
            "title": None,
            "message": "The request body is not JSON.",
            "log_url": None,
        },
    }


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong-key"}, {"Authorization": "Basic a3NfdGVzdA=="}],
)
def test_a_missing_or_wrong_api_key_is_refused(browser, headers):
    response = browser.get("/v1/check-api-key", headers=headers)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "PLATFORM.AUTHENTICATION_INVALID"


async def test_check_api_key_names_the_sandbox_environment(kombo):
    assert await kombo.check_api_key() == "sandbox-local"


async def test_unknown_integrations_are_not_found(kombo):
    with pytest.raises(KomboError) as missing:
        await kombo.get_integration("personio:doesnotexist000000000000")

    assert missing.value.status == 404
    assert missing.value.is_not_found


async def test_delete_removes_the_integration_and_announces_it(kombo, control, engine):
    integration_id = await connect(kombo, control)

    await kombo.delete_integration(integration_id)

    with pytest.raises(KomboError) as gone:
        await kombo.get_integration(integration_id)
    assert gone.value.is_not_found
    with pytest.raises(KomboError) as again:
        await kombo.delete_integration(integration_id)
    assert again.value.is_not_found
    deleted = [event for event in outbox(engine) if event["type"] == "integration-deleted"]
    assert len(deleted) == 1
    assert deleted[0]["data"]["id"] == integration_id
    assert deleted[0]["data"]["deleted_at"].endswith("Z")


async def test_disabling_makes_an_integration_inactive_and_announces_it(kombo, control, engine):
    integration_id = await connect(kombo, control)

    await kombo.set_enabled(integration_id, False)

    assert (await kombo.get_integration(integration_id)).status is IntegrationState.INACTIVE
    [changed] = [e for e in outbox(engine) if e["type"] == "integration-state-changed"]
    assert changed["data"]["state"] == "INACTIVE"
    assert changed["data"]["integration_id"] == integration_id

    await kombo.set_enabled(integration_id, True)
    assert (await kombo.get_integration(integration_id)).status is IntegrationState.ACTIVE


def test_set_enabled_needs_a_boolean(control):
    response = control.put("/v1/integrations/personio:x/enabled", json={"value": "no"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "PLATFORM.INPUT_INVALID"


async def test_relink_repairs_an_invalid_integration_in_place(kombo, control, engine):
    integration_id = await connect(kombo, control)
    control.post(f"/control/integrations/{integration_id}/state", json={"state": "INVALID"})
    assert (await kombo.get_integration(integration_id)).status is IntegrationState.INVALID

    link = await kombo.create_relink_link(integration_id, language=Language.DE)
    token = complete_flow(control, link)

    assert (await kombo.integration_by_token(token)).id == integration_id
    assert (await kombo.get_integration(integration_id)).status is IntegrationState.ACTIVE
    states = [
        e["data"]["state"] for e in outbox(engine) if e["type"] == "integration-state-changed"
    ]
    assert sorted(states) == ["ACTIVE", "INVALID"]


async def test_setup_link_is_refused_when_no_setup_step_is_enabled(kombo, control):
    integration_id = await connect(kombo, control)
    # Incomplete, but with no step to run: Kombo refuses all the same.
    control.post(
        f"/control/integrations/{integration_id}/state", json={"setup_status": "INCOMPLETE"}
    )

    with pytest.raises(KomboError) as refused:
        await kombo.create_setup_link(integration_id)

    assert refused.value.code == "PLATFORM.INPUT_INVALID"
    assert "no setup step enabled" in refused.value.message


async def test_setup_link_finishes_an_incomplete_setup(kombo, control):
    request = ACME.model_copy(update={"enable_field_mapping": True})
    link = await kombo.create_link(request)
    started = control.post("/control/flow/complete", json={"link": link, "finish_setup": False})
    integration_id = started.json()["data"]["integration_id"]

    link = await kombo.create_setup_link(integration_id)
    token = complete_flow(control, link)

    assert (await kombo.integration_by_token(token)).setup_status is SetupStatus.COMPLETED


async def test_setup_link_requires_a_link_type(kombo, control):
    integration_id = await connect(kombo, control)
    control.post(
        f"/control/integrations/{integration_id}/state", json={"enable_field_mapping": True}
    )

    response = control.post(f"/v1/integrations/{integration_id}/setup-link", json={})

    assert response.status_code == 400
    assert response.json()["error"]["message"] == "link_type: is required."


async def test_list_tools_names_real_tools_per_category(kombo):
    hris = {tool.label for tool in await kombo.list_tools(IntegrationCategory.HRIS)}
    ats = {tool.label for tool in await kombo.list_tools(IntegrationCategory.ATS)}

    assert {"Personio", "BambooHR", "HiBob", "Workday", "Factorial", "Kombo Sandbox"} <= hris
    assert {"Greenhouse", "Lever", "Workable", "Teamtailor", "Recruitee"} <= ats


def test_list_tools_of_an_unknown_category_is_refused(control):
    response = control.get("/v1/tools/CRM")

    assert response.status_code == 400


async def test_control_data_changed_announces_the_models(kombo, control, engine):
    integration_id = await connect(kombo, control)

    response = control.post(
        f"/control/integrations/{integration_id}/data-changed", json={"models": ["hris_employees"]}
    )

    assert response.status_code == 200
    [event] = [e for e in outbox(engine) if e["type"] == "data-changed"]
    assert event["data"]["changed_models"] == [{"name": "hris_employees"}]


async def test_control_state_with_an_unknown_state_changes_nothing(kombo, control, engine):
    integration_id = await connect(kombo, control)

    response = control.post(
        f"/control/integrations/{integration_id}/state", json={"state": "BROKEN"}
    )

    assert response.status_code == 400
    assert (await kombo.get_integration(integration_id)).status is IntegrationState.ACTIVE
    assert [e["type"] for e in outbox(engine)] == ["integration-created"]


async def test_a_details_read_is_answered_while_another_writer_holds_the_database(
    kombo, control, engine
):
    integration_id = await connect(kombo, control)
    holding, release = threading.Event(), threading.Event()

    def writer() -> None:
        with transaction(engine):
            holding.set()
            release.wait(30)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert holding.wait(10)
        # The portal fetches details after every change: they must not queue for writes.
        details = await asyncio.wait_for(kombo.get_integration(integration_id), timeout=10)
        assert details.id == integration_id
    finally:
        release.set()
        thread.join()


async def test_the_deliverer_is_woken_by_a_change_that_sends_a_webhook_only(
    sandbox_app, kombo, control, engine
):
    deliverer_wakes: list[str] = []
    sandbox_app.state.sandbox = dataclasses.replace(
        sandbox_app.state.sandbox, on_webhook_enqueued=lambda: deliverer_wakes.append("wake")
    )
    link = await kombo.create_link(ACME)  # stores a link, sends nothing
    assert deliverer_wakes == []
    token = complete_flow(control, link)  # makes the integration: integration-created
    assert deliverer_wakes == ["wake"]
    await kombo.integration_by_token(token)  # marks the token used, sends nothing
    assert deliverer_wakes == ["wake"]
    assert len(outbox(engine)) == 1


def test_a_read_only_endpoint_that_changes_a_row_fails_instead_of_losing_it(engine, sandbox_config):
    @kombo_endpoint(reads_body=False, writes=False)
    def touching(_request, session, _body):
        session.add(SandboxLink(token="t" * 32, purpose="connect", link_type="EMBEDDED"))
        return {}

    app = Starlette(routes=[Route("/touch", touching)])
    app.state.sandbox = SandboxContext(sandbox_config, lambda: engine, Faults(), lambda: None)
    client = TestClient(app, headers={"Authorization": f"Bearer {SANDBOX_KEY}"})

    with pytest.raises(RuntimeError, match="writes=True"):
        client.get("/touch")
    with Session(engine) as session:
        assert session.exec(select(SandboxLink)).all() == []
