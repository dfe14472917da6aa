"""Control endpoints that announce news as Kombo would: changed data, a finished
sync, issues raised and resolved; and a refused sign-in, whose webhook is sent even
though the control endpoint answers an error."""

from datetime import datetime, timedelta

import pytest

from tests.sandbox.conftest import outbox

BODY = {
    "end_user_email": "admin@acme.test",
    "end_user_organization_name": "Acme",
    "end_user_origin_id": "org_1",
}
END_USER = {"organization_name": "Acme", "creator_email": "admin@acme.test", "origin_id": "org_1"}


@pytest.fixture
def integration_id(control) -> str:
    link = control.post("/v1/connect/create-link", json=BODY).json()["data"]["link"]
    completed = control.post("/control/flow/complete", json={"link": link, "tool": "personio"})
    return completed.json()["data"]["integration_id"]


def events(engine, event_type: str) -> list[dict]:
    return [event for event in outbox(engine) if event["type"] == event_type]


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# data-changed


def test_data_changed_names_kombos_models(control, engine, integration_id):
    response = control.post(
        f"/control/integrations/{integration_id}/data-changed",
        json={"models": ["hris_employees", "hris_join_employees_teams"]},
    )

    assert response.status_code == 200
    [event] = events(engine, "data-changed")
    assert event["data"] == {
        "integration_id": integration_id,
        "integration_tool": "personio",
        "integration_category": "HRIS",
        "changed_models": [{"name": "hris_employees"}, {"name": "hris_join_employees_teams"}],
    }


@pytest.mark.parametrize(
    ("models", "named"),
    [
        (["hris_employees", "employees", "ats_candidate"], "employees, ats_candidate"),
        ([], "at least one"),
        ("hris_employees", "list of model names"),
        ([1], "list of model names"),
    ],
)
def test_data_changed_refuses_what_kombo_does_not_name(
    control, engine, integration_id, models, named
):
    response = control.post(
        f"/control/integrations/{integration_id}/data-changed", json={"models": models}
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "PLATFORM.INPUT_INVALID"
    assert named in response.json()["error"]["message"]
    assert events(engine, "data-changed") == []


# sync-finished


def test_sync_finished_defaults_to_a_success(control, engine, integration_id):
    response = control.post(f"/control/integrations/{integration_id}/sync-finished", json={})

    assert response.status_code == 200
    [event] = events(engine, "sync-finished")
    data = event["data"]
    assert data == response.json()["data"]
    assert data["sync_state"] == "SUCCEEDED"
    assert len(data["sync_id"]) == 24
    assert data["integration_id"] == integration_id
    assert (data["integration_tool"], data["integration_category"]) == ("personio", "HRIS")
    assert data["end_user"] == END_USER
    assert data["log_url"].startswith("https://app.kombo.dev/logs/")
    duration = moment(data["sync_ended_at"]) - moment(data["sync_started_at"])
    assert duration == timedelta(seconds=data["sync_duration_seconds"]) == timedelta(seconds=60)


def test_sync_finished_takes_a_state_and_a_duration(control, engine, integration_id):
    control.post(
        f"/control/integrations/{integration_id}/sync-finished",
        json={"sync_state": "AUTHENTICATION_FAILED", "sync_duration_seconds": 5},
    )

    [event] = events(engine, "sync-finished")
    assert event["data"]["sync_state"] == "AUTHENTICATION_FAILED"
    assert event["data"]["sync_duration_seconds"] == 5


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"sync_state": "DONE"}, "sync_state: must be one of SUCCEEDED, PARTIALLY_FAILED"),
        ({"sync_state": "succeeded"}, "sync_state"),
        ({"sync_state": None}, "sync_state"),
        ({"sync_duration_seconds": -1}, "sync_duration_seconds"),
        ({"sync_duration_seconds": 1.5}, "sync_duration_seconds"),
        ({"sync_duration_seconds": True}, "sync_duration_seconds"),
        ({"sync_duration_seconds": 10**9}, "sync_duration_seconds"),
        ({"sync_id": "mine"}, "sync_id"),
        ([], "JSON object"),
    ],
)
def test_sync_finished_refuses_bad_input(control, engine, integration_id, body, named):
    response = control.post(f"/control/integrations/{integration_id}/sync-finished", json=body)

    assert response.status_code == 400
    assert named in response.json()["error"]["message"]
    assert events(engine, "sync-finished") == []


def test_sync_finished_of_an_unknown_integration_is_not_found(control, engine):
    response = control.post("/control/integrations/personio:nothing/sync-finished", json={})

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "PLATFORM.INTEGRATION_NOT_FOUND"
    assert outbox(engine) == []


# issue-status-changed


def test_raising_an_issue_announces_it_open(control, engine, integration_id):
    response = control.post(f"/control/integrations/{integration_id}/issues", json={})

    assert response.status_code == 200
    [event] = events(engine, "issue-status-changed")
    issue = event["data"]["issue"]
    assert event["data"]["change"] == "raised"
    assert issue == response.json()["data"]["issue"]
    assert issue["type"] == "integration.authentication_failed"
    assert issue["title"] == "Authentication failed"
    assert "reconnect" in issue["markdown_message"]
    assert (issue["status"], issue["resolved_at"]) == ("OPEN", None)
    assert issue["first_observed_at"].endswith("Z")
    assert event["data"]["integration"] == {
        "id": integration_id,
        "tool": "personio",
        "category": "HRIS",
        "end_user": END_USER,
    }


def test_resolving_an_issue_keeps_when_it_was_first_observed(control, engine, integration_id):
    raised = control.post(
        f"/control/integrations/{integration_id}/issues",
        json={
            "type": "integration.sync_stalled",
            "title": "Syncs stalled",
            "markdown_message": "No sync finished in **a day**.",
        },
    ).json()["data"]["issue"]

    response = control.post(f"/control/issues/{raised['id']}/resolve", json={})

    assert response.status_code == 200
    raised_event, resolved_event = events(engine, "issue-status-changed")
    resolved = resolved_event["data"]["issue"]
    assert resolved_event["data"]["change"] == "resolved"
    assert resolved["id"] == raised["id"] == raised_event["data"]["issue"]["id"]
    assert (resolved["status"], resolved["type"]) == ("RESOLVED", "integration.sync_stalled")
    assert resolved["first_observed_at"] == raised["first_observed_at"]
    assert moment(resolved["resolved_at"]) >= moment(raised["first_observed_at"])
    assert resolved_event["data"]["integration"]["id"] == integration_id


def test_an_environment_issue_belongs_to_no_integration(control, engine):
    raised = control.post(
        "/control/issues",
        json={
            "type": "environment.webhook_failing",
            "title": "Webhooks fail",
            "markdown_message": "x",
        },
    )
    control.post(f"/control/issues/{raised.json()['data']['issue']['id']}/resolve")

    changes = events(engine, "issue-status-changed")
    assert [event["data"]["change"] for event in changes] == ["raised", "resolved"]
    assert [event["data"]["integration"] for event in changes] == [None, None]


def test_an_issue_still_names_its_integration_once_deleted(control, engine, integration_id):
    raised = control.post(f"/control/integrations/{integration_id}/issues", json={})
    control.request("DELETE", f"/v1/integrations/{integration_id}", json={})

    control.post(f"/control/issues/{raised.json()['data']['issue']['id']}/resolve")

    resolved = events(engine, "issue-status-changed")[-1]
    assert resolved["data"]["integration"]["id"] == integration_id


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"type": "integration.other"}, "title: is required"),
        ({"type": "integration.other", "title": "T"}, "markdown_message: is required"),
        ({"title": ""}, "title: must be a non-empty string"),
        ({"title": 5}, "title"),
        ({"type": ""}, "type"),
        ({"markdown_message": "x" * 10_001}, "markdown_message: at most"),
        ({"status": "OPEN"}, "Unknown field(s): status"),
        ("raise", "JSON object"),
    ],
)
def test_raising_refuses_bad_input(control, engine, integration_id, body, named):
    response = control.post(f"/control/integrations/{integration_id}/issues", json=body)

    assert response.status_code == 400
    assert named in response.json()["error"]["message"]
    assert events(engine, "issue-status-changed") == []


def test_raising_for_an_unknown_integration_is_not_found(control, engine):
    response = control.post("/control/integrations/personio:nothing/issues", json={})

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "PLATFORM.INTEGRATION_NOT_FOUND"
    assert outbox(engine) == []


def test_resolving_an_unknown_issue_is_not_found(control, engine):
    response = control.post("/control/issues/doesnotexist/resolve", json={})

    assert response.status_code == 404
    assert response.json()["error"]["message"] == "No issue with the id 'doesnotexist'."
    assert outbox(engine) == []


def test_resolving_twice_is_refused_and_announced_once(control, engine, integration_id):
    issue_id = control.post(f"/control/integrations/{integration_id}/issues", json={}).json()[
        "data"
    ]["issue"]["id"]
    control.post(f"/control/issues/{issue_id}/resolve")

    again = control.post(f"/control/issues/{issue_id}/resolve")

    assert again.status_code == 400
    assert again.json()["error"]["code"] == "PLATFORM.INPUT_INVALID"
    assert "already resolved" in again.json()["error"]["message"]
    assert len(events(engine, "issue-status-changed")) == 2


# connection-flow-failed through the control endpoint


def test_refused_credentials_are_announced_though_the_answer_is_an_error(control):
    link = control.post("/v1/connect/create-link", json=BODY).json()["data"]["link"]

    response = control.post(
        "/control/flow/complete", json={"link": link, "tool": "personio", "password": "fail"}
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["message"]) == (
        "PLATFORM.INPUT_INVALID",
        "The credentials were rejected.",
    )
    sent = control.get("/control/webhooks").json()["data"]["deliveries"]
    [failed] = [delivery for delivery in sent if delivery["type"] == "connection-flow-failed"]
    assert failed["body"]["data"]["integration_tool"] == "personio"
    assert failed["body"]["data"]["end_user"] == END_USER
    # The error's log is the failed attempt's, as the webhook names it.
    assert error["log_url"] == failed["body"]["data"]["log_url"]
    assert error["log_url"].startswith("https://app.kombo.dev/logs/")
    # Nothing else happened, and the link can still be used.
    assert [delivery["type"] for delivery in sent] == ["connection-flow-failed"]
    retried = control.post("/control/flow/complete", json={"link": link, "tool": "personio"})
    assert retried.status_code == 200
