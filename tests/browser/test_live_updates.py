"""Webhooks from the sandbox reach the portal over real HTTP, and an open page shows
what they changed without a reload."""

import re
import sqlite3

import httpx
from playwright.sync_api import Page, expect

from kombo_portal.config import DEFAULT_SANDBOX_API_KEY
from tests.browser.portal import connect_through_the_flow, new_organisation, sign_in

SANDBOX_HEADERS = {"Authorization": f"Bearer {DEFAULT_SANDBOX_API_KEY}"}


def connect_hris(page: Page) -> None:
    connect_through_the_flow(page, "HRIS", "Personio")
    expect(page.locator('[data-category="HRIS"]').get_by_text("Active")).to_be_visible()


def kombo_integration_id(app, organisation: str) -> str:
    with sqlite3.connect(app.database_url.removeprefix("sqlite:///")) as db:
        [(integration_id,)] = db.execute(
            "SELECT kombo_integration_id FROM integration JOIN organisation "
            "ON organisation.id = integration.organisation_id WHERE organisation.name = ?",
            (organisation,),
        ).fetchall()
    return integration_id


def test_credentials_expiring_at_kombo_show_on_the_open_page(running_app, page: Page):
    account = new_organisation(running_app)
    sign_in(page, running_app, account.email)
    connect_hris(page)
    integration_id = kombo_integration_id(running_app, account.organisation)

    response = httpx.post(
        f"{running_app.url}/sandbox/kombo/control/integrations/{integration_id}/state",
        headers=SANDBOX_HEADERS,
        json={"state": "INVALID"},
    )

    assert response.status_code == 200
    expect(page.locator('[data-category="HRIS"]').get_by_text("Needs reconnection")).to_be_visible(
        timeout=3_000
    )


def test_an_integration_deleted_at_kombo_leaves_the_open_page(running_app, page: Page):
    account = new_organisation(running_app)
    sign_in(page, running_app, account.email)
    connect_hris(page)
    integration_id = kombo_integration_id(running_app, account.organisation)

    response = httpx.request(
        "DELETE",
        f"{running_app.url}/sandbox/kombo/v1/integrations/{integration_id}",
        headers=SANDBOX_HEADERS,
        json={},
    )

    assert response.status_code == 200
    hris = page.locator('[data-category="HRIS"]')
    expect(hris.get_by_role("button", name="Connect HRIS")).to_be_visible(timeout=3_000)
    # The card says what was removed and when (not that nothing was ever connected).
    expect(hris.get_by_text("Removed", exact=True)).to_be_visible()
    removed = hris.get_by_text(re.compile(r"^Personio was removed on \d+ \w+ \d{4}\."))
    expect(removed).to_be_visible()
    expect(hris.get_by_role("button", name="Disconnect")).to_have_count(0)


def test_a_failed_attempt_shows_on_the_card_until_a_later_success(running_app, page: Page):
    account = new_organisation(running_app)
    sign_in(page, running_app, account.email)

    connect_through_the_flow(page, "HRIS", "Workday", password="fail")
    flow = page.frame_locator("iframe")
    expect(flow.get_by_role("alert")).to_be_visible()

    hris = page.locator('[data-category="HRIS"]')
    expect(hris.get_by_text("The last attempt to connect Workday failed.")).to_be_visible(
        timeout=3_000
    )

    flow.get_by_label("Password").fill("the-right-one")
    flow.get_by_role("button", name="Connect").click()
    expect(hris.get_by_text("Active")).to_be_visible()
    expect(hris.get_by_text("The last attempt to connect Workday failed.")).to_have_count(0)
