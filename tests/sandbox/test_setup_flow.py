"""Kombo's setup steps in the sandbox: create-link's `enable_filtering` (HRIS only)
and `enable_field_mapping` start a connection INCOMPLETE; the flow shows a page per
step after the credentials and hands out the activation token only at the end;
`setup-link` runs the steps again whenever at least one is enabled."""

import pytest
from sqlmodel import Session, select

from kombo_portal.sandbox.models import SandboxIntegration, SandboxLink
from tests.sandbox.conftest import complete_flow, link_token, outbox

BODY = {
    "end_user_email": "admin@acme.test",
    "end_user_organization_name": "Acme",
    "end_user_origin_id": "org_1",
}
BOTH_STEPS = {"enable_filtering": True, "enable_field_mapping": True}


def create_link(control, **fields) -> str:
    response = control.post("/v1/connect/create-link", json={**BODY, **fields})
    assert response.status_code == 200, response.text
    return response.json()["data"]["link"]


def credentials_only(control, link: str, **fields) -> dict:
    """The user signs in to the tool and leaves before the setup steps."""
    response = control.post(
        "/control/flow/complete", json={"link": link, "finish_setup": False, **fields}
    )
    assert response.status_code == 200, response.text
    return response.json()["data"]


def sandbox_view(control, integration_id: str) -> dict:
    response = control.get(f"/control/integrations/{integration_id}")
    assert response.status_code == 200, response.text
    return response.json()["data"]


def integrations(engine) -> list[SandboxIntegration]:
    with Session(engine) as session:
        return list(session.exec(select(SandboxIntegration)).all())


def stored_link(engine, link: str) -> SandboxLink:
    with Session(engine) as session:
        stored = session.get(SandboxLink, link_token(link))
        assert stored is not None
        return stored


@pytest.mark.parametrize(
    ("category", "fields", "filtering", "field_mapping"),
    [
        ("HRIS", BOTH_STEPS, True, True),
        ("HRIS", {"enable_filtering": True}, True, False),
        # Kombo's SDK: filtering is "HRIS only", and it does not say it refuses it
        # elsewhere: accepted, and no filter step.
        ("ATS", BOTH_STEPS, False, True),
        ("LMS", {"enable_filtering": True}, False, False),
        ("HRIS", {}, False, False),
    ],
)
def test_create_link_stores_the_setup_steps_the_category_has(
    control, engine, category, fields, filtering, field_mapping
):
    link = create_link(control, integration_category=category, **fields)

    stored = stored_link(engine, link)
    assert (stored.enable_filtering, stored.enable_field_mapping) == (filtering, field_mapping)
    assert stored.setup_step is None, "the steps come after the credentials"


def test_filtering_alone_for_a_recruiting_system_connects_completed(control, engine):
    link = create_link(control, integration_category="ATS", enable_filtering=True)

    complete_flow(control, link, tool="greenhouse")

    [integration] = integrations(engine)
    assert integration.setup_status == "COMPLETED"
    assert [event["type"] for event in outbox(engine)] == ["integration-created"]


def test_a_user_who_leaves_after_the_credentials_leaves_the_setup_incomplete(control, engine):
    link = create_link(control, **BOTH_STEPS)

    result = credentials_only(control, link)

    assert result["activation_token"] is None, "the flow resolves only at its end"
    assert result["setup_step"] == "filtering"
    [integration] = integrations(engine)
    assert result["integration_id"] == integration.id
    assert integration.setup_status == "INCOMPLETE"
    assert (integration.enable_filtering, integration.enable_field_mapping) == (True, True)
    assert [event["type"] for event in outbox(engine)] == ["integration-created"]
    details = control.get(f"/v1/integrations/{integration.id}").json()["data"]
    assert details["setup_status"] == "INCOMPLETE"


def test_finishing_the_steps_completes_the_setup_then_hands_out_the_token(control, engine):
    link = create_link(control, **BOTH_STEPS)

    token = complete_flow(
        control,
        link,
        employee_filter={"scope": "department", "value": " Sales "},
        field_mapping={"employee_number": "personnel_number"},
    )

    exchanged = control.get(f"/v1/connect/integration-by-token/{token}").json()["data"]
    assert exchanged["setup_status"] == "COMPLETED"
    created, changed = outbox(engine)
    assert created["type"] == "integration-created"
    assert changed["type"] == "integration-state-changed"
    assert changed["data"]["integration_id"] == exchanged["id"]
    assert (changed["data"]["setup_status"], changed["data"]["state"]) == ("COMPLETED", "ACTIVE")
    kept = sandbox_view(control, exchanged["id"])["sandbox"]
    assert kept["setup_steps"] == ["filtering", "field_mapping"]
    assert kept["employee_filter"] == {"scope": "department", "value": "Sales"}
    assert kept["field_mapping"] == {"employee_number": "personnel_number", "cost_center": None}


def test_the_same_link_opened_again_goes_on_with_the_setup(control, engine):
    link = create_link(control, enable_field_mapping=True)
    credentials_only(control, link)

    token = complete_flow(control, link)

    assert [event["type"] for event in outbox(engine)] == [
        "integration-created",
        "integration-state-changed",
    ]
    assert len(integrations(engine)) == 1, "no second integration"
    assert control.get(f"/v1/connect/integration-by-token/{token}").status_code == 200


def test_finish_setup_false_at_a_setup_step_is_refused(control, engine):
    link = create_link(control, enable_field_mapping=True)
    credentials_only(control, link)

    response = control.post("/control/flow/complete", json={"link": link, "finish_setup": False})

    assert response.status_code == 400
    assert "finish_setup" in response.json()["error"]["message"]
    assert integrations(engine)[0].setup_status == "INCOMPLETE"


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"employee_filter": {"scope": "everyone"}}, "employee_filter.scope"),
        ({"employee_filter": {"scope": "department"}}, "employee_filter.value"),
        ({"employee_filter": {"scope": "legal_entity", "value": "  "}}, "employee_filter.value"),
        ({"employee_filter": {"scope": "department", "value": "x" * 201}}, "employee_filter.value"),
        ({"employee_filter": {"scope": "all", "extra": 1}}, "extra"),
        ({"employee_filter": "active"}, "employee_filter"),
        ({"field_mapping": {"salary": "custom_field_1"}}, "field_mapping.salary"),
        ({"field_mapping": {"cost_center": "not_a_field"}}, "field_mapping.cost_center"),
        ({"field_mapping": {"cost_center": 7}}, "field_mapping.cost_center"),
        ({"field_mapping": ["employee_number"]}, "field_mapping"),
        ({"finish_setup": "no"}, "finish_setup"),
        ({"setup": True}, "setup"),
    ],
)
def test_control_flow_refuses_bad_step_choices_and_changes_nothing(control, engine, fields, named):
    link = create_link(control, **BOTH_STEPS)

    response = control.post("/control/flow/complete", json={"link": link, **fields})

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "PLATFORM.INPUT_INVALID"
    assert named in error["message"]
    assert error["log_url"] is None
    assert integrations(engine) == []
    assert outbox(engine) == []


def test_a_setup_link_after_completion_changes_the_choices(control, engine):
    link = create_link(control, **BOTH_STEPS)
    token = complete_flow(control, link, employee_filter={"scope": "active"})
    integration_id = control.get(f"/v1/connect/integration-by-token/{token}").json()["data"]["id"]

    setup = control.post(
        f"/v1/integrations/{integration_id}/setup-link", json={"link_type": "EMBEDDED"}
    )
    assert setup.status_code == 200, "allowed after the setup completed too"
    again = complete_flow(
        control,
        setup.json()["data"]["link"],
        employee_filter={"scope": "legal_entity", "value": "Acme GmbH"},
    )

    kept = sandbox_view(control, integration_id)["sandbox"]
    assert kept["employee_filter"] == {"scope": "legal_entity", "value": "Acme GmbH"}
    exchanged = control.get(f"/v1/connect/integration-by-token/{again}").json()["data"]
    assert (exchanged["id"], exchanged["setup_status"]) == (integration_id, "COMPLETED")
    # Already complete: no state changed, so no second state webhook.
    assert [event["type"] for event in outbox(engine)].count("integration-state-changed") == 1


def test_a_setup_link_completes_an_incomplete_setup_with_a_state_webhook(control, engine):
    link = create_link(control, enable_filtering=True)
    integration_id = credentials_only(control, link)["integration_id"]

    setup = control.post(
        f"/v1/integrations/{integration_id}/setup-link",
        json={"link_type": "MAGIC_LINK", "language": "de"},
    )
    complete_flow(control, setup.json()["data"]["link"])

    [changed] = [e for e in outbox(engine) if e["type"] == "integration-state-changed"]
    assert changed["data"]["setup_status"] == "COMPLETED"
    assert integrations(engine)[0].setup_status == "COMPLETED"


def test_steps_switched_on_by_hand_allow_a_setup_link(control, engine):
    """As Kombo's dashboard (Integration Settings) can: the control state endpoint."""
    integration_id = control.post(
        "/control/flow/complete", json={"link": create_link(control)}
    ).json()["data"]["integration_id"]
    refused = control.post(
        f"/v1/integrations/{integration_id}/setup-link", json={"link_type": "EMBEDDED"}
    )
    assert refused.status_code == 400

    switched = control.post(
        f"/control/integrations/{integration_id}/state", json={"enable_filtering": True}
    )

    assert switched.status_code == 200
    setup = control.post(
        f"/v1/integrations/{integration_id}/setup-link", json={"link_type": "EMBEDDED"}
    )
    assert setup.status_code == 200
    assert stored_link(engine, setup.json()["data"]["link"]).setup_step == "filtering"


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"enable_filtering": True}, "HRIS integrations only"),
        ({"enable_field_mapping": "yes"}, "enable_field_mapping"),
        ({"state": 3}, "state"),
        ({"colour": "red"}, "colour"),
        ({}, "at least one"),
    ],
)
def test_control_state_refuses_bad_input_and_changes_nothing(control, engine, fields, named):
    link = create_link(control, integration_category="ATS")
    integration_id = control.post(
        "/control/flow/complete", json={"link": link, "tool": "lever"}
    ).json()["data"]["integration_id"]

    response = control.post(f"/control/integrations/{integration_id}/state", json=fields)

    assert response.status_code == 400
    assert named in response.json()["error"]["message"]
    [integration] = integrations(engine)
    assert (integration.enable_filtering, integration.enable_field_mapping) == (False, False)
    assert [event["type"] for event in outbox(engine)] == ["integration-created"]
