"""The Connect flow page, as the iframe's browser would request it."""

import re
from datetime import timedelta

import pytest
from sqlmodel import Session

from kombo_portal.db.models import utc_now
from kombo_portal.sandbox.models import SandboxLink
from tests.sandbox.conftest import link_token, outbox

BODY = {"end_user_email": "admin@acme.test", "end_user_organization_name": "Acme"}


def create_link(control, **fields) -> str:
    response = control.post("/v1/connect/create-link", json={**BODY, **fields})
    assert response.status_code == 200, response.text
    return link_token(response.json()["data"]["link"])


def button_names(html: str) -> list[str]:
    names = []
    for attributes, inner in re.findall(r"<button([^>]*)>(.*?)</button>", html, re.S):
        label = re.search(r'aria-label="([^"]*)"', attributes)
        names.append(label.group(1) if label else re.sub(r"<[^>]+>", "", inner).strip())
    return names


def input_labels(html: str) -> list[str]:
    return [label for _, label in re.findall(r'<label for="([^"]+)">([^<]+)</label>', html)]


def submit(browser, token: str, tool: str, username: str = "hr-admin", password: str = "s3cret"):
    return browser.post(
        "/connect",
        data={"token": token, "tool": tool, "username": username, "password": password},
    )


def test_the_page_lists_the_category_tools_as_named_buttons(control, browser):
    token = create_link(control, integration_category="ATS")

    page = browser.get(f"/connect?token={token}&sdkv=1.3.0")

    assert page.status_code == 200
    assert button_names(page.text) == [
        "Close",
        "Greenhouse",
        "Lever",
        "Workable",
        "Teamtailor",
        "Recruitee",
        "Kombo Sandbox",
    ]
    assert "<h1" in page.text and "Connect your recruiting system" in page.text


def test_choosing_a_tool_asks_for_labelled_credentials(control, browser):
    token = create_link(control)

    page = browser.get(f"/connect?token={token}&tool=bamboohr")

    assert "Sign in to BambooHR" in page.text
    assert input_labels(page.text) == ["Username", "Password"]
    assert button_names(page.text) == ["Close", "Connect"]


def test_a_preselected_tool_goes_straight_to_its_credentials(control, browser):
    token = create_link(control, integration_tool="hibob")

    page = browser.get(f"/connect?token={token}")

    assert "Sign in to HiBob" in page.text
    assert "Back" not in page.text


def test_the_flow_speaks_the_links_language(control, browser):
    token = create_link(control, language="de", integration_tool="personio")

    page = browser.get(f"/connect?token={token}")

    assert '<html lang="de">' in page.text
    assert input_labels(page.text) == ["Benutzername", "Passwort"]
    assert button_names(page.text) == ["Schließen", "Verbinden"]


def test_connecting_shows_success_with_the_activation_token_and_announces_it(
    control, browser, engine
):
    token = create_link(control, integration_tool="personio")

    page = submit(browser, token, "personio")

    assert page.status_code == 200
    activation = re.search(r'data-activation-token="([A-Za-z0-9]+)"', page.text)
    assert activation, page.text
    assert [event["type"] for event in outbox(engine)] == ["integration-created"]
    exchanged = control.get(f"/v1/connect/integration-by-token/{activation.group(1)}")
    assert exchanged.json()["data"]["tool"] == "personio"


def test_the_password_fail_is_rejected_the_user_can_retry_and_a_webhook_tells(
    control, browser, engine
):
    token = create_link(control, integration_tool="personio")

    rejected = submit(browser, token, "personio", password="fail")

    assert rejected.status_code == 422
    assert 'role="alert"' in rejected.text
    assert "Personio rejected these credentials" in rejected.text
    assert 'value="hr-admin"' in rejected.text, "the username is kept for the retry"
    [failed] = outbox(engine)
    assert failed["type"] == "connection-flow-failed"
    assert failed["data"]["integration_tool"] == "personio"
    assert failed["data"]["end_user"]["organization_name"] == "Acme"

    retried = submit(browser, token, "personio")

    assert "data-activation-token" in retried.text


def test_missing_credentials_are_asked_for_again(control, browser, engine):
    token = create_link(control, integration_tool="personio")

    page = submit(browser, token, "personio", username="", password="")

    assert page.status_code == 422
    assert "Enter a username and a password." in page.text
    assert outbox(engine) == []


@pytest.mark.parametrize("token", ["", "doesnotexist"])
def test_an_unknown_link_explains_itself_and_offers_close(browser, token):
    page = browser.get(f"/connect?token={token}")

    assert page.status_code == 404
    assert "This link is not valid" in page.text
    assert button_names(page.text) == ["Close"]


def test_an_unknown_link_speaks_the_browsers_language(browser):
    page = browser.get(
        "/connect?token=doesnotexist", headers={"Accept-Language": "de-CH, de;q=0.9, en;q=0.5"}
    )
    other = browser.get("/connect?token=doesnotexist", headers={"Accept-Language": "nl"})

    assert page.status_code == 404
    assert "Dieser Link ist ungültig. Fordern Sie einen neuen an." in page.text
    assert '<html lang="de"' in page.text
    assert "This link is not valid" in other.text


def test_an_expired_link_explains_itself(control, browser, engine):
    token = create_link(control, integration_tool="personio")
    with Session(engine) as session:
        link = session.get(SandboxLink, token)
        link.expires_at = utc_now() - timedelta(seconds=1)
        session.add(link)
        session.commit()

    page = browser.get(f"/connect?token={token}")
    submitted = submit(browser, token, "personio")

    assert page.status_code == 410
    assert "This link has expired" in page.text
    assert submitted.status_code == 410
    assert outbox(engine) == []


def test_a_used_link_cannot_connect_twice(control, browser, engine):
    token = create_link(control, integration_tool="personio")
    submit(browser, token, "personio")

    again = submit(browser, token, "personio")

    assert again.status_code == 410
    assert "already been used" in again.text
    assert [event["type"] for event in outbox(engine)] == ["integration-created"]


def test_a_tool_outside_the_links_category_is_not_offered(control, browser):
    token = create_link(control)  # HRIS

    page = browser.get(f"/connect?token={token}&tool=greenhouse")

    assert "Sign in to" not in page.text
    assert "Personio" in button_names(page.text)


def test_the_page_script_posts_kombos_messages_to_the_parent(browser):
    script = browser.get("/assets/flow.js")

    assert script.headers["content-type"].startswith("text/javascript")
    assert 'tell({ type: "close" })' in script.text
    assert 'tell({ type: "success", data: { activation_token:' in script.text


def test_tool_logos_are_served_and_unknown_ones_are_not(browser):
    assert browser.get("/assets/tools/personio.svg").headers["content-type"] == "image/svg+xml"
    assert browser.get("/assets/tools/nothing.svg").status_code == 404


def test_user_input_is_escaped_in_the_page(control, browser):
    token = create_link(control, integration_tool="personio")

    page = submit(
        browser, token, "personio", username='"><script>alert(1)</script>', password="fail"
    )

    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;" in page.text
