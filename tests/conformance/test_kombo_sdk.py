"""Kombo's own Python SDK (written by Kombo, generated from its OpenAPI spec) against
the sandbox running as a separate process: every answer must parse into the SDK's
models, every error into its general error type."""

import json
import time

import pytest
from kombo import Kombo, errors, models

from kombo_portal.kombo.signature import verify_webhook_signature


@pytest.fixture(scope="module")
def sdk(standalone):
    with Kombo(api_key=standalone.api_key, server_url=standalone.api_url) as sdk:
        yield sdk


def complete_flow(standalone, link: str) -> str:
    with standalone.control() as control:
        response = control.post("/flow/complete", json={"link": link})
    assert response.status_code == 200, response.text
    return response.json()["data"]["activation_token"]


def connect(sdk, standalone, **fields) -> str:
    created = sdk.connect.create_connection_link(
        end_user_email="admin@acme.test",
        end_user_organization_name="Acme",
        end_user_origin_id="org_1",
        **fields,
    )
    token = complete_flow(standalone, created.data.link)
    return sdk.connect.get_integration_by_token(token=token).data.id


def test_check_api_key(sdk):
    assert sdk.general.check_api_key().data.environment_id == "sandbox-local"


def test_the_connect_path_parses_into_the_sdks_models(sdk, standalone):
    created = sdk.connect.create_connection_link(
        end_user_email="admin@acme.test",
        end_user_organization_name="Acme",
        end_user_origin_id="org_1",
        integration_category="ATS",
        integration_tool="greenhouse",
        language="fr",
    )
    assert isinstance(created, models.PostConnectCreateLinkPositiveResponse)
    assert created.data.link.startswith(f"{standalone.url}/connect?token=")

    token = complete_flow(standalone, created.data.link)
    exchanged = sdk.connect.get_integration_by_token(token=token)

    assert isinstance(exchanged, models.GetConnectIntegrationByTokenTokenPositiveResponse)
    assert exchanged.data.tool == "greenhouse"
    assert exchanged.data.end_user_origin_id == "org_1"


def test_integration_details_parse(sdk, standalone):
    integration_id = connect(sdk, standalone)

    details = sdk.general.get_integration_details(integration_id=integration_id)

    assert isinstance(details, models.GetIntegrationsIntegrationIDPositiveResponse)
    assert details.data.id == integration_id
    assert details.data.status == "ACTIVE"
    assert details.data.category == "HRIS"


def test_relink_setup_enabled_and_delete_parse(sdk, standalone):
    integration_id = connect(sdk, standalone)

    relink = sdk.general.create_reconnection_link(integration_id=integration_id, language="de")
    assert relink.data.link.startswith(standalone.url)

    with standalone.control() as control:
        # A step enabled, as Kombo's dashboard can: setup links need one.
        control.post(
            f"/integrations/{integration_id}/state", json={"enable_field_mapping": True}
        ).raise_for_status()
    setup = sdk.general.create_setup_link(integration_id=integration_id, link_type="EMBEDDED")
    assert setup.data.link.startswith(standalone.url)

    disabled = sdk.general.set_integration_enabled(integration_id=integration_id, value=False)
    assert isinstance(disabled, models.PutIntegrationsIntegrationIDEnabledPositiveResponse)

    deleted = sdk.general.delete_integration(integration_id=integration_id, body={})
    assert isinstance(deleted, models.DeleteIntegrationsIntegrationIDPositiveResponse)


def test_tools_parse(sdk):
    tools = sdk.general.get_tools(category="hris")

    assert "personio" in {tool.id for tool in tools.data.tools}


@pytest.mark.parametrize(
    "call",
    [
        lambda sdk: sdk.general.get_integration_details(integration_id="personio:missing"),
        lambda sdk: sdk.connect.get_integration_by_token(token="not-a-token"),
        lambda sdk: sdk.connect.create_connection_link(
            end_user_email="not-an-email", end_user_organization_name="Acme"
        ),
    ],
    ids=["unknown integration", "unknown token", "invalid input"],
)
def test_errors_parse_as_the_sdks_general_error(sdk, call):
    with pytest.raises(errors.KomboGeneralError) as caught:
        call(sdk)

    assert caught.value.data.status == "error"
    assert caught.value.data.error.code.startswith("PLATFORM.")


def test_a_wrong_key_is_the_sdks_general_error(standalone):
    with (
        Kombo(api_key="wrong", server_url=standalone.api_url) as sdk,
        pytest.raises(errors.KomboGeneralError) as caught,
    ):
        sdk.general.check_api_key()

    assert caught.value.data.error.code == "PLATFORM.AUTHENTICATION_INVALID"


def test_webhooks_arrive_signed_and_parse_into_the_sdks_payload_models(sdk, standalone, receiver):
    integration_id = connect(sdk, standalone)
    with standalone.control() as control:
        control.post(f"/integrations/{integration_id}/state", json={"state": "INVALID"})
    sdk.general.delete_integration(integration_id=integration_id, body={})

    deadline = time.monotonic() + 20
    wanted = {"integration-created", "integration-state-changed", "integration-deleted"}
    mine: dict[str, dict] = {}
    while time.monotonic() < deadline and set(mine) != wanted:
        for webhook in list(receiver.received):
            event = json.loads(webhook.body)
            data = event["data"]
            if integration_id in (data.get("id"), data.get("integration_id")):
                assert verify_webhook_signature(
                    [standalone.webhook_secret], webhook.body, webhook.headers["x-kombo-signature"]
                )
                mine[event["type"]] = event
        time.sleep(0.1)

    assert set(mine) == wanted
    models.IntegrationCreatedWebhookPayload.model_validate(mine["integration-created"])
    models.IntegrationStateChangedWebhookPayload.model_validate(mine["integration-state-changed"])
    models.IntegrationDeletedWebhookPayload.model_validate(mine["integration-deleted"])
