"""Every answer of each endpoint the portal calls, and every webhook type the sandbox
sends, against the SDK's own models (Kombo's OpenAPI spec, generated), strictly:
each must validate, with no key the model does not name. The sandbox runs as its
own process and is called over real HTTP."""

from __future__ import annotations

import json
import time
import uuid

import httpx
import pytest
from kombo import errors, models

from kombo_portal.kombo.signature import verify_webhook_signature
from tests.conformance.sdk_shapes import assert_conforms


@pytest.fixture(scope="module")
def api(standalone):
    with httpx.Client(
        base_url=standalone.api_url,
        headers={"Authorization": f"Bearer {standalone.api_key}"},
        timeout=10,
    ) as client:
        yield client


def ok(response: httpx.Response) -> dict:
    assert response.status_code == 200, response.text
    return response.json()


def create_link(api, origin_id: str, **fields) -> dict:
    body = {
        "end_user_email": "admin@acme.test",
        "end_user_organization_name": "Acme",
        "end_user_origin_id": origin_id,
        **fields,
    }
    return ok(api.post("/connect/create-link", json=body))


def complete(standalone, link: str, **fields) -> dict:
    with standalone.control() as control:
        response = control.post("/flow/complete", json={"link": link, **fields})
    return response.json()


def connect(api, standalone, origin_id: str, **fields) -> str:
    link = create_link(api, origin_id, **fields)["data"]["link"]
    activation = complete(standalone, link)["data"]["activation_token"]
    return ok(api.get(f"/connect/integration-by-token/{activation}"))["data"]["id"]


def test_check_api_key(api):
    assert_conforms(models.GetCheckAPIKeyPositiveResponse, ok(api.get("/check-api-key")))


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"enable_static_ips": True},
        {
            "integration_category": "ATS",
            "integration_tool": "greenhouse",
            "remote_environment": "staging",
            "language": "fr",
            "scope_config_id": "9Pv6aCFwNDEzPNmwjSsY9SQx",
            "enable_filtering": True,
            "enable_field_mapping": True,
            "enable_static_ips": True,
            "link_type": "MAGIC_LINK",
        },
    ],
    ids=["defaults", "static ips", "every option"],
)
def test_create_link(api, fields):
    body = create_link(api, "org_create", **fields)

    parsed = assert_conforms(models.PostConnectCreateLinkPositiveResponse, body)
    assert isinstance(parsed, models.PostConnectCreateLinkPositiveResponse)
    if fields.get("enable_static_ips"):
        assert parsed.data.static_ips and len(parsed.data.static_ips) >= 1
    else:
        assert parsed.data.static_ips is None


@pytest.mark.parametrize("finish_setup", [True, False], ids=["completed", "setup incomplete"])
def test_integration_by_token_and_details(api, standalone, finish_setup):
    link = create_link(
        api, "org_token", enable_field_mapping=True, scope_config_id="sc_conformance"
    )["data"]["link"]
    finished = complete(standalone, link, finish_setup=finish_setup)["data"]
    integration_id = finished["integration_id"]
    if not finish_setup:
        setup = ok(
            api.post(f"/integrations/{integration_id}/setup-link", json={"link_type": "EMBEDDED"})
        )
        finished = complete(standalone, setup["data"]["link"])["data"]
    exchanged = ok(api.get(f"/connect/integration-by-token/{finished['activation_token']}"))
    details = ok(api.get(f"/integrations/{integration_id}"))

    assert_conforms(models.GetConnectIntegrationByTokenTokenPositiveResponse, exchanged)
    parsed = assert_conforms(models.GetIntegrationsIntegrationIDPositiveResponse, details)
    assert isinstance(parsed, models.GetIntegrationsIntegrationIDPositiveResponse)
    assert parsed.data.scope_config.id == "sc_conformance"
    assert parsed.data.setup_status == "COMPLETED"


def test_an_incomplete_integrations_details(api, standalone):
    link = create_link(api, "org_incomplete", enable_filtering=True)["data"]["link"]
    integration_id = complete(standalone, link, finish_setup=False)["data"]["integration_id"]

    details = ok(api.get(f"/integrations/{integration_id}"))

    parsed = assert_conforms(models.GetIntegrationsIntegrationIDPositiveResponse, details)
    assert isinstance(parsed, models.GetIntegrationsIntegrationIDPositiveResponse)
    assert parsed.data.setup_status == "INCOMPLETE"


def test_enabled_relink_setup_link_and_delete(api, standalone):
    integration_id = connect(api, standalone, "org_lifecycle", enable_field_mapping=True)
    path = f"/integrations/{integration_id}"

    for value in (False, True):
        assert_conforms(
            models.PutIntegrationsIntegrationIDEnabledPositiveResponse,
            ok(api.put(f"{path}/enabled", json={"value": value})),
        )
    relink = ok(api.post(f"{path}/relink", json={"language": "de", "scope_config_id": "next"}))
    assert_conforms(models.PostIntegrationsIntegrationIDRelinkPositiveResponse, relink)
    setup = ok(api.post(f"{path}/setup-link", json={"link_type": "MAGIC_LINK", "language": "es"}))
    assert_conforms(models.PostIntegrationsIntegrationIDSetupLinkPositiveResponse, setup)
    complete(standalone, relink["data"]["link"])
    details = ok(api.get(path))
    assert details["data"]["scope_config"] == {"id": "next", "name": "Scope config next"}
    assert_conforms(
        models.DeleteIntegrationsIntegrationIDPositiveResponse,
        ok(api.request("DELETE", path, json={})),
    )


@pytest.mark.parametrize("category", ["hris", "ats", "assessment", "lms"])
def test_tools(api, category):
    assert_conforms(models.GetToolsCategoryPositiveResponse, ok(api.get(f"/tools/{category}")))


def test_errors_are_the_sdks_general_error(api, standalone):
    not_found = api.get("/integrations/personio:missing")
    invalid = api.post("/connect/create-link", json={"end_user_email": "x"})
    unauthorised = httpx.get(f"{standalone.api_url}/check-api-key", timeout=10)
    with standalone.control() as control:
        control.post("/faults", json={"kind": "500", "path_prefix": "/v1/tools"})
    failed = api.get("/tools/hris")

    for response in (not_found, invalid, unauthorised, failed):
        assert response.status_code >= 400
        parsed = assert_conforms(errors.KomboGeneralErrorData, response.json())
        assert isinstance(parsed, errors.KomboGeneralErrorData)
        assert parsed.error.code and parsed.error.code.startswith("PLATFORM.")
    assert failed.json()["error"]["log_url"]


PAYLOADS = {
    "integration-created": models.IntegrationCreatedWebhookPayload,
    "integration-deleted": models.IntegrationDeletedWebhookPayload,
    "integration-state-changed": models.IntegrationStateChangedWebhookPayload,
    "connection-flow-failed": models.ConnectionFlowFailedWebhookPayload,
    "data-changed": models.DataChangedWebhookPayload,
    "sync-finished": models.SyncFinishedWebhookPayload,
    "issue-status-changed": models.IssueStatusChangedWebhookPayload,
}


def test_every_webhook_type_is_the_sdks_payload(api, standalone, receiver):
    origin_id = f"org_{uuid.uuid4().hex[:12]}"
    link = create_link(api, origin_id, enable_filtering=True)["data"]["link"]
    assert complete(standalone, link, password="fail")["error"]["log_url"]
    finished = complete(standalone, link, employee_filter={"scope": "active"})["data"]
    integration_id = finished["integration_id"]
    with standalone.control() as control:
        control.post(f"/integrations/{integration_id}/state", json={"state": "INVALID"})
        control.post(
            f"/integrations/{integration_id}/data-changed", json={"models": ["hris_teams"]}
        )
        control.post(
            f"/integrations/{integration_id}/sync-finished", json={"sync_state": "PARTIALLY_FAILED"}
        )
        issue = control.post(f"/integrations/{integration_id}/issues", json={}).json()["data"]
        control.post(f"/issues/{issue['issue']['id']}/resolve")
        environment = control.post(
            "/issues", json={"type": "environment.x", "title": "T", "markdown_message": "M"}
        ).json()["data"]["issue"]["id"]
    ok(api.request("DELETE", f"/integrations/{integration_id}", json={}))

    def mine(event: dict) -> bool:
        data = event["data"]
        if data.get("end_user", {}).get("origin_id") == origin_id:
            return True
        if integration_id in (data.get("id"), data.get("integration_id")):
            return True
        issue_data = data.get("issue") or {}
        about = data.get("integration") or {}
        return about.get("id") == integration_id or issue_data.get("id") == environment

    deadline = time.monotonic() + 20
    events: list[dict] = []
    # Failed, created, setup completed, INVALID, data, sync, raised, resolved,
    # environment raised, deleted.
    while time.monotonic() < deadline and len(events) < 10:
        events = []
        for webhook in list(receiver.received):
            event = json.loads(webhook.body)
            if mine(event):
                assert verify_webhook_signature(
                    [standalone.webhook_secret], webhook.body, webhook.headers["x-kombo-signature"]
                )
                events.append(event)
        time.sleep(0.1)

    assert len(events) == 10
    assert sorted({event["type"] for event in events}) == sorted(PAYLOADS)
    for event in events:
        assert_conforms(PAYLOADS[event["type"]], event)
    issues = [event["data"] for event in events if event["type"] == "issue-status-changed"]
    assert sorted(issue["change"] for issue in issues) == ["raised", "raised", "resolved"]
    assert [issue["integration"] for issue in issues if issue["issue"]["id"] == environment] == [
        None
    ]
