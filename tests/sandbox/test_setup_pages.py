"""The flow page's setup steps, as the iframe's browser would request them: a page
per step after the credentials, in the link's language, the activation token only
on the last page."""

import re

import pytest
from sqlmodel import Session, select

from kombo_portal.sandbox.models import SandboxIntegration
from tests.sandbox.conftest import complete_flow, link_token, outbox
from tests.sandbox.test_flow_page import button_names, input_labels, submit

BODY = {"end_user_email": "admin@acme.test", "end_user_organization_name": "Acme"}


def create_link(control, **fields) -> str:
    response = control.post("/v1/connect/create-link", json={**BODY, **fields})
    assert response.status_code == 200, response.text
    return link_token(response.json()["data"]["link"])


def select_labels(html: str) -> list[str]:
    """The labels of the page's selects and text inputs, in order."""
    return input_labels(html)


def selected(html: str, name: str) -> str | None:
    block = re.search(rf'<select id="[^"]+" name="{name}">(.*?)</select>', html, re.S)
    assert block, f"no select named {name}"
    chosen = re.search(r'<option value="([^"]*)" selected>', block.group(1))
    return chosen.group(1) if chosen else None


def post_step(browser, token: str, step: str, **fields: str):
    return browser.post("/connect", data={"token": token, "step": step, **fields})


def the_integration(engine) -> SandboxIntegration:
    with Session(engine) as session:
        [integration] = session.exec(select(SandboxIntegration)).all()
        return integration


def test_the_credentials_lead_to_the_filter_then_the_mapping_then_the_token(
    control, browser, engine
):
    token = create_link(
        control, integration_tool="personio", enable_filtering=True, enable_field_mapping=True
    )

    filter_page = submit(browser, token, "personio")

    assert filter_page.status_code == 200
    assert "Finish setting up Personio" in filter_page.text
    assert "Step 1 of 2: Employees to sync" in filter_page.text
    assert select_labels(filter_page.text) == [
        "Employees to include",
        "Department or legal entity (for those two choices)",
    ]
    assert button_names(filter_page.text) == ["Close", "Next"]
    assert "data-activation-token" not in filter_page.text
    assert [event["type"] for event in outbox(engine)] == ["integration-created"]
    assert the_integration(engine).setup_status == "INCOMPLETE"

    mapping_page = post_step(browser, token, "filtering", scope="active", value="ignored")

    assert "Step 2 of 2: Field mapping" in mapping_page.text
    assert "Choose the field of Personio that holds each value." in mapping_page.text
    assert select_labels(mapping_page.text) == ["Employee number", "Cost centre"]
    assert button_names(mapping_page.text) == ["Close", "Finish setup"]
    assert "data-activation-token" not in mapping_page.text

    done = post_step(
        browser, token, "field_mapping", employee_number="personnel_number", cost_center=""
    )

    activation = re.search(r'data-activation-token="([A-Za-z0-9]+)"', done.text)
    assert activation, done.text
    integration = the_integration(engine)
    assert integration.setup_status == "COMPLETED"
    assert '"scope": "active", "value": null' in (integration.employee_filter or "")
    assert '"employee_number": "personnel_number"' in (integration.field_mapping or "")
    assert [event["type"] for event in outbox(engine)] == [
        "integration-created",
        "integration-state-changed",
    ]
    exchanged = control.get(f"/v1/connect/integration-by-token/{activation.group(1)}")
    assert exchanged.json()["data"]["setup_status"] == "COMPLETED"


def test_a_recruiting_system_gets_the_mapping_step_only(control, browser):
    token = create_link(
        control,
        integration_category="ATS",
        integration_tool="greenhouse",
        enable_filtering=True,
        enable_field_mapping=True,
    )

    page = submit(browser, token, "greenhouse")

    assert "Step 1 of 1: Field mapping" in page.text
    assert button_names(page.text) == ["Close", "Finish setup"]


def test_the_steps_speak_the_links_language(control, browser):
    token = create_link(control, language="de", integration_tool="personio", enable_filtering=True)

    page = submit(browser, token, "personio")

    assert '<html lang="de">' in page.text
    assert "Schritt 1 von 1: Zu synchronisierende Mitarbeitende" in page.text
    assert select_labels(page.text)[0] == "Einzubeziehende Mitarbeitende"
    assert button_names(page.text) == ["Schließen", "Einrichtung abschließen"]


def test_a_department_without_a_name_is_asked_for_again_keeping_the_choice(
    control, browser, engine
):
    token = create_link(control, integration_tool="personio", enable_filtering=True)
    submit(browser, token, "personio")

    page = post_step(browser, token, "filtering", scope="department", value=" ")

    assert page.status_code == 422
    assert 'role="alert"' in page.text
    assert "Enter the name of the department or legal entity." in page.text
    assert selected(page.text, "scope") == "department"
    assert the_integration(engine).employee_filter is None
    assert the_integration(engine).setup_status == "INCOMPLETE"


@pytest.mark.parametrize(
    ("step", "fields"),
    [
        ("filtering", {"scope": "everyone"}),
        ("field_mapping", {"employee_number": "salary"}),
    ],
)
def test_a_choice_the_page_does_not_offer_is_refused(control, browser, engine, step, fields):
    token = create_link(
        control, integration_tool="personio", enable_filtering=True, enable_field_mapping=True
    )
    submit(browser, token, "personio")
    if step == "field_mapping":
        post_step(browser, token, "filtering", scope="all")

    page = post_step(browser, token, step, **fields)

    assert page.status_code == 422
    assert "Choose one of the options offered." in page.text
    assert the_integration(engine).setup_status == "INCOMPLETE"
    assert "data-activation-token" not in page.text


def test_a_form_of_an_earlier_step_sent_again_changes_nothing(control, browser, engine):
    token = create_link(
        control, integration_tool="personio", enable_filtering=True, enable_field_mapping=True
    )
    submit(browser, token, "personio")
    post_step(browser, token, "filtering", scope="active")

    again = post_step(browser, token, "filtering", scope="all")

    assert again.status_code == 200
    assert "Step 2 of 2: Field mapping" in again.text
    assert '"scope": "active"' in (the_integration(engine).employee_filter or "")


def test_a_setup_link_opens_at_its_first_step_with_the_current_choices(control, browser):
    link = control.post(
        "/v1/connect/create-link",
        json={**BODY, "enable_filtering": True, "enable_field_mapping": True},
    ).json()["data"]["link"]
    activation = complete_flow(
        control,
        link,
        employee_filter={"scope": "legal_entity", "value": "Acme <GmbH>"},
        field_mapping={"cost_center": "cost_center_code"},
    )
    integration_id = control.get(f"/v1/connect/integration-by-token/{activation}").json()["data"][
        "id"
    ]
    setup = control.post(
        f"/v1/integrations/{integration_id}/setup-link", json={"link_type": "EMBEDDED"}
    )
    token = link_token(setup.json()["data"]["link"])

    filter_page = browser.get(f"/connect?token={token}")
    mapping_page = post_step(browser, token, "filtering", scope="legal_entity", value="Acme SE")

    assert "Finish setting up Kombo Sandbox" in filter_page.text
    assert selected(filter_page.text, "scope") == "legal_entity"
    assert 'value="Acme &lt;GmbH&gt;"' in filter_page.text, "prefilled, escaped"
    assert selected(mapping_page.text, "cost_center") == "cost_center_code"
    assert selected(mapping_page.text, "employee_number") == ""
    done = post_step(browser, token, "field_mapping", cost_center="custom_field_1")
    assert "data-activation-token" in done.text
