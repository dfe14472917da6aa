"""Kombo's setup steps, static IPs and issue warnings, seen from the page: a portal
built with employee filtering, field mapping and static IPs on, the real
`@kombo-api/connect` in Chromium, and the sandbox's flow and webhooks over HTTP."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import FrameLocator, Page, expect

from harness.app_server import RunningApp, start_app, web_workdir_for
from kombo_portal.config import DEFAULT_SANDBOX_API_KEY
from tests.browser.portal import new_organisation, sign_in

SANDBOX_HEADERS = {"Authorization": f"Bearer {DEFAULT_SANDBOX_API_KEY}"}
# The sandbox's addresses (sandbox.links): documentation addresses, never routed.
SANDBOX_STATIC_IPS = ["203.0.113.10", "203.0.113.11", "203.0.113.12"]


@pytest.fixture(scope="module")
def setup_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    app = start_app(
        tmp_path_factory.mktemp("setup-steps"),
        {
            "KOMBO_ENABLE_FILTERING": "1",
            "KOMBO_ENABLE_FIELD_MAPPING": "1",
            "KOMBO_ENABLE_STATIC_IPS": "1",
        },
        web_workdir=web_workdir_for("setup-steps"),
    )
    yield app
    app.stop()


def sign_in_to_tool(page: Page, category: str, tool: str) -> FrameLocator:
    page.get_by_role("button", name=f"Connect {category}").click()
    flow = page.frame_locator("iframe")
    flow.get_by_role("button", name=tool).click()
    flow.get_by_label("Username").fill("hr-admin")
    flow.get_by_label("Password").fill("s3cret-password")
    flow.get_by_role("button", name="Connect").click()
    return flow


def card(page: Page, category: str):
    return page.locator(f'[data-category="{category}"]')


def kombo_integration_id(app: RunningApp, organisation: str) -> str:
    with sqlite3.connect(app.database_url.removeprefix("sqlite:///")) as db:
        [(integration_id,)] = db.execute(
            "SELECT kombo_integration_id FROM integration JOIN organisation "
            "ON organisation.id = integration.organisation_id WHERE organisation.name = ?",
            (organisation,),
        ).fetchall()
    return integration_id


def sandbox_setup(app: RunningApp, integration_id: str) -> dict:
    response = httpx.get(
        f"{app.url}/sandbox/kombo/control/integrations/{integration_id}", headers=SANDBOX_HEADERS
    )
    response.raise_for_status()
    return response.json()["data"]


def test_connecting_goes_through_the_setup_steps_and_shows_the_static_ips(setup_app, page: Page):
    account = new_organisation(setup_app)
    sign_in(page, setup_app, account.email)

    flow = sign_in_to_tool(page, "HRIS", "Personio")
    expect(flow.get_by_text("Step 1 of 2: Employees to sync")).to_be_visible()
    flow.get_by_label("Employees to include").select_option(label="Active employees only")
    flow.get_by_role("button", name="Next").click()
    expect(flow.get_by_text("Step 2 of 2: Field mapping")).to_be_visible()
    flow.get_by_label("Employee number").select_option("personnel_number")
    flow.get_by_role("button", name="Finish setup").click()

    hris = card(page, "HRIS")
    expect(hris.get_by_text("Active", exact=True)).to_be_visible()
    expect(page.locator("iframe")).to_have_count(0)
    addresses = hris.locator("[data-static-ip]")
    expect(addresses).to_have_count(3)
    assert [addresses.nth(i).get_attribute("data-static-ip") for i in range(3)] == (
        SANDBOX_STATIC_IPS
    )
    expect(hris.get_by_text("let Kombo's addresses through its firewall")).to_be_visible()
    expect(hris.get_by_role("button", name="Copy the address 203.0.113.11")).to_have_text("Copy")
    page.screenshot(path=str(setup_app.log_path.parent / "setup-done.png"), full_page=True)
    integration = sandbox_setup(setup_app, kombo_integration_id(setup_app, account.organisation))
    assert integration["setup_status"] == "COMPLETED"

    # Back into the steps after setup completed, as Kombo's setup link allows.
    hris.get_by_role("button", name="Change setup").click()
    flow = page.frame_locator("iframe")
    expect(flow.get_by_label("Employees to include")).to_have_value("active")
    flow.get_by_label("Employees to include").select_option(label="All employees")
    flow.get_by_role("button", name="Next").click()
    expect(flow.get_by_label("Employee number")).to_have_value("personnel_number")
    flow.get_by_role("button", name="Finish setup").click()

    expect(page.locator("iframe")).to_have_count(0)
    expect(hris.get_by_text("Active", exact=True)).to_be_visible()
    expect(page.get_by_text("Finished the setup of Personio")).to_be_visible()


def test_setup_left_halfway_is_finished_later_from_the_card(setup_app, page: Page):
    account = new_organisation(setup_app)
    sign_in(page, setup_app, account.email)

    flow = sign_in_to_tool(page, "HRIS", "BambooHR")
    expect(flow.get_by_text("Step 1 of 2: Employees to sync")).to_be_visible()
    flow.get_by_role("button", name="Close").click()
    expect(page.get_by_text("If the system was signed in already")).to_be_visible()

    hris = card(page, "HRIS")
    # Kombo made the integration when the credentials were in: its webhook brings it.
    expect(hris.get_by_text("Setup incomplete")).to_be_visible(timeout=5_000)
    page.screenshot(path=str(setup_app.log_path.parent / "setup-incomplete.png"), full_page=True)

    hris.get_by_role("button", name="Finish setup").click()
    flow = page.frame_locator("iframe")
    flow.get_by_label("Employees to include").select_option(label="The employees of one department")
    flow.get_by_label("Department or legal entity").fill("Sales")
    flow.get_by_role("button", name="Next").click()
    flow.get_by_label("Cost centre").select_option("cost_center_code")
    flow.get_by_role("button", name="Finish setup").click()

    expect(hris.get_by_text("Active", exact=True)).to_be_visible()
    expect(hris.get_by_text("Setup incomplete")).to_have_count(0)
    integration = sandbox_setup(setup_app, kombo_integration_id(setup_app, account.organisation))
    assert integration["setup_status"] == "COMPLETED"
    assert integration["sandbox"]["employee_filter"] == {"scope": "department", "value": "Sales"}


def test_an_issue_kombo_raises_shows_on_the_card_until_it_is_resolved(setup_app, page: Page):
    account = new_organisation(setup_app)
    sign_in(page, setup_app, account.email)
    flow = sign_in_to_tool(page, "ATS", "Lever")
    flow.get_by_role("button", name="Finish setup").click()
    ats = card(page, "ATS")
    expect(ats.get_by_text("Active", exact=True)).to_be_visible()
    integration_id = kombo_integration_id(setup_app, account.organisation)

    raised = httpx.post(
        f"{setup_app.url}/sandbox/kombo/control/integrations/{integration_id}/issues",
        headers=SANDBOX_HEADERS,
        json={
            "type": "integration.authentication_failed",
            "title": "Lever rejected the API key",
            "markdown_message": "Ask your **Lever** admin for a new key.",
        },
    )
    assert raised.status_code == 200
    issue_id = raised.json()["data"]["issue"]["id"]

    warning = ats.locator(f'[data-issue="{issue_id}"]')
    expect(warning).to_contain_text("Lever rejected the API key", timeout=5_000)
    expect(warning).to_contain_text("Warning")
    # Kombo's markdown is shown as text, never rendered as HTML.
    expect(warning).to_contain_text("Ask your **Lever** admin for a new key.")
    page.screenshot(path=str(setup_app.log_path.parent / "issue-raised.png"), full_page=True)

    resolved = httpx.post(
        f"{setup_app.url}/sandbox/kombo/control/issues/{issue_id}/resolve",
        headers=SANDBOX_HEADERS,
        json={},
    )
    assert resolved.status_code == 200
    expect(warning).to_have_count(0, timeout=5_000)
    expect(ats.get_by_text("Active", exact=True)).to_be_visible()
