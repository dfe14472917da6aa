"""Kombo's lists in the sandbox's data files are the SDK's, and the sandbox takes
every tool of Kombo's list: the catalogue's by their names, the others by a name
made from the id and a generated logo."""

import json
import typing
from pathlib import Path

import pytest
from kombo.models import datachangedwebhookpayload, postconnectcreatelinkrequestbody

import kombo_portal.sandbox
from kombo_portal.sandbox.catalogue import TOOLS_BY_CATEGORY, any_tool, find_tool
from kombo_portal.sandbox.kombo_lists import KOMBO_MODEL_NAMES, KOMBO_TOOL_IDS
from tests.sandbox.conftest import PUBLIC_URL, complete_flow, link_token

SANDBOX_FOLDER = Path(kombo_portal.sandbox.__file__).parent
BODY = {"end_user_email": "admin@acme.test", "end_user_organization_name": "Acme"}


def data_file(name: str) -> dict:
    return json.loads((SANDBOX_FOLDER / name).read_text(encoding="utf-8"))


def test_the_tool_file_is_the_sdks_list_of_create_link_tools():
    sdk_tools = typing.get_args(postconnectcreatelinkrequestbody.IntegrationTool)
    tools = data_file("kombo_tools.json")

    assert tools["tool_ids"] == list(sdk_tools)
    assert sdk_tools == KOMBO_TOOL_IDS
    assert "kombo SDK 1.4.0" in tools["source"]
    assert "PostConnectCreateLinkRequestBody.integration_tool" in tools["source"]


def test_the_model_file_is_the_sdks_list_of_changed_model_names():
    sdk_names = typing.get_args(datachangedwebhookpayload.Name)
    models = data_file("kombo_models.json")

    assert models["model_names"] == list(sdk_names)
    assert sdk_names == KOMBO_MODEL_NAMES
    assert "kombo SDK 1.4.0" in models["source"]
    assert "DataChangedWebhookPayload" in models["source"]


def test_every_catalogue_tool_is_one_of_kombos():
    catalogue = {tool.id for tools in TOOLS_BY_CATEGORY.values() for tool in tools}

    assert catalogue <= set(KOMBO_TOOL_IDS)


def test_a_tool_outside_the_catalogue_gets_a_generic_name_and_only_kombos_ids_count():
    tool = any_tool("successfactors")

    assert tool is not None
    assert tool.label == "Successfactors"
    assert tool.colour.startswith("#")
    assert any_tool("successfactors") == tool, "the same every time"
    assert any_tool("notatool") is None
    # The choose-tool page offers the catalogue's tools of the category only.
    assert find_tool("HRIS", "successfactors") is None
    assert find_tool("HRIS", "greenhouse") is None


def test_create_link_takes_every_tool_of_kombos_list(control):
    refused = [
        tool_id
        for tool_id in KOMBO_TOOL_IDS
        if control.post(
            "/v1/connect/create-link", json={**BODY, "integration_tool": tool_id}
        ).status_code
        != 200
    ]

    assert refused == []


@pytest.mark.parametrize("tool", [123, ["personio"], "Personio", "personio "])
def test_create_link_refuses_a_tool_kombo_does_not_list(control, tool):
    response = control.post("/v1/connect/create-link", json={**BODY, "integration_tool": tool})

    assert response.status_code == 400
    assert "integration_tool" in response.json()["error"]["message"]


def test_a_tool_outside_the_catalogue_connects_with_its_generic_name_and_logo(control, browser):
    link = control.post(
        "/v1/connect/create-link", json={**BODY, "integration_tool": "successfactors"}
    ).json()["data"]["link"]

    page = browser.get(f"/connect?token={link_token(link)}")
    activation = complete_flow(control, link)

    assert "Sign in to Successfactors" in page.text
    integration_id = control.get(f"/v1/connect/integration-by-token/{activation}").json()["data"][
        "id"
    ]
    assert integration_id.startswith("successfactors:")
    tool = control.get(f"/v1/integrations/{integration_id}").json()["data"]["tool"]
    assert tool["label"] == "Successfactors"
    assert tool["logo_url"] == f"{PUBLIC_URL}/assets/tools/successfactors.svg"
    logo = browser.get("/assets/tools/successfactors.svg")
    assert logo.status_code == 200
    assert logo.headers["content-type"] == "image/svg+xml"
    assert 'aria-label="Successfactors"' in logo.text


def test_a_tool_of_another_category_is_taken_as_kombo_takes_it(control):
    """Kombo's SDK ties no tool to a category: a recruiting tool on an HRIS link."""
    link = control.post(
        "/v1/connect/create-link",
        json={**BODY, "integration_category": "HRIS", "integration_tool": "greenhouse"},
    ).json()["data"]["link"]

    activation = complete_flow(control, link)

    exchanged = control.get(f"/v1/connect/integration-by-token/{activation}").json()["data"]
    assert exchanged["tool"] == "greenhouse"
    details = control.get(f"/v1/integrations/{exchanged['id']}").json()["data"]
    assert (details["category"], details["tool"]["label"]) == ("HRIS", "Greenhouse")


def test_a_link_naming_its_tool_does_not_connect_another(control, engine):
    link = control.post(
        "/v1/connect/create-link", json={**BODY, "integration_tool": "personio"}
    ).json()["data"]["link"]

    response = control.post("/control/flow/complete", json={"link": link, "tool": "hibob"})

    assert response.status_code == 400
    assert "'hibob' is not offered by this link" in response.json()["error"]["message"]
