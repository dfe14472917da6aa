"""create-link's static IPs, tool environment and scope config; relink's scope
config, which the integration takes only when the relink completes."""

import pytest
from sqlmodel import Session

from kombo_portal.sandbox.models import SandboxLink
from tests.sandbox.conftest import complete_flow, link_token

BODY = {"end_user_email": "admin@acme.test", "end_user_organization_name": "Acme"}


def create_link(control, **fields):
    return control.post("/v1/connect/create-link", json={**BODY, **fields})


def connect(control, **fields) -> str:
    link = create_link(control, **fields).json()["data"]["link"]
    activation = complete_flow(control, link)
    return control.get(f"/v1/connect/integration-by-token/{activation}").json()["data"]["id"]


def details(control, integration_id: str) -> dict:
    return control.get(f"/v1/integrations/{integration_id}").json()["data"]


def test_static_ips_come_with_the_link_when_asked_for(control):
    data = create_link(control, enable_static_ips=True).json()["data"]

    assert data["link"].startswith("http://sandbox.test/connect?token=")
    assert data["static_ips"] == ["203.0.113.10", "203.0.113.11", "203.0.113.12"]


@pytest.mark.parametrize("fields", [{}, {"enable_static_ips": False}])
def test_no_static_ips_unless_asked_for(control, fields):
    data = create_link(control, **fields).json()["data"]

    assert "static_ips" not in data


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"enable_static_ips": "yes"}, "enable_static_ips: must be a boolean"),
        ({"enable_field_mapping": 1}, "enable_field_mapping: must be a boolean"),
        ({"scope_config_id": 42}, "scope_config_id: must be a string"),
        ({"scope_config_id": "s" * 201}, "scope_config_id: at most 200"),
        (
            {"integration_tool": "personio", "remote_environment": "e" * 201},
            "remote_environment: at most 200",
        ),
        ({"remote_environment": "staging"}, "only be set together with integration_tool"),
    ],
)
def test_create_link_refuses_bad_options(control, fields, named):
    response = create_link(control, **fields)

    assert response.status_code == 400
    assert named in response.json()["error"]["message"]
    assert response.json()["error"]["log_url"] is None


def test_the_tool_environment_is_kept_on_the_link_and_the_integration(control, engine):
    response = create_link(control, integration_tool="personio", remote_environment="staging")
    with Session(engine) as session:
        link = session.get(SandboxLink, link_token(response.json()["data"]["link"]))
        assert link is not None
        assert link.remote_environment == "staging"

    integration_id = connect(control, integration_tool="personio", remote_environment="staging")

    kept = control.get(f"/control/integrations/{integration_id}").json()["data"]["sandbox"]
    assert kept["remote_environment"] == "staging"


def test_the_scope_config_is_stored_and_named(control):
    chosen = connect(control, scope_config_id="9Pv6aCFwNDEzPNmwjSsY9SQx")
    default = connect(control)

    assert details(control, chosen)["scope_config"] == {
        "id": "9Pv6aCFwNDEzPNmwjSsY9SQx",
        "name": "Scope config 9Pv6aCFwNDEzPNmwjSsY9SQx",
    }
    assert details(control, default)["scope_config"] == {
        "id": "sandbox-default-scope",
        "name": "Sandbox default",
    }


def test_relinks_scope_config_applies_when_the_relink_completes(control):
    integration_id = connect(control, scope_config_id="old")
    relink = control.post(
        f"/v1/integrations/{integration_id}/relink", json={"scope_config_id": "new"}
    )
    assert relink.status_code == 200
    assert details(control, integration_id)["scope_config"]["id"] == "old", "not before"

    complete_flow(control, relink.json()["data"]["link"])

    assert details(control, integration_id)["scope_config"]["id"] == "new"


def test_a_relink_without_a_scope_config_keeps_it(control):
    integration_id = connect(control, scope_config_id="kept")
    relink = control.post(f"/v1/integrations/{integration_id}/relink", json={})

    complete_flow(control, relink.json()["data"]["link"])

    assert details(control, integration_id)["scope_config"]["id"] == "kept"


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"scope_config_id": ["a"]}, "scope_config_id"),
        ({"link_type": "EMAIL"}, "link_type"),
        ({"enable_filtering": True}, "enable_filtering"),
    ],
)
def test_relink_refuses_bad_input(control, body, named):
    integration_id = connect(control)

    response = control.post(f"/v1/integrations/{integration_id}/relink", json=body)

    assert response.status_code == 400
    assert named in response.json()["error"]["message"]


def test_setup_link_refuses_a_scope_config(control):
    integration_id = connect(control, enable_field_mapping=True)

    response = control.post(
        f"/v1/integrations/{integration_id}/setup-link",
        json={"link_type": "EMBEDDED", "scope_config_id": "x"},
    )

    assert response.status_code == 400
    assert "scope_config_id" in response.json()["error"]["message"]
