"""Reconnect, disconnect (with its dialog) and disable, in the browser with the sandbox."""

import re

import httpx
from playwright.sync_api import Page, expect

from tests.browser.portal import connect_through_the_flow, new_organisation, sign_in
from tests.browser.test_live_updates import SANDBOX_HEADERS, kombo_integration_id


def hris(page: Page):
    return page.locator('[data-category="HRIS"]')


def connected_admin(running_app, page: Page):
    account = new_organisation(running_app)
    sign_in(page, running_app, account.email)
    connect_through_the_flow(page, "HRIS", "Personio")
    expect(hris(page).get_by_text("Active")).to_be_visible()
    return account


def test_reconnect_repairs_an_integration_kombo_marked_invalid(running_app, page: Page):
    account = connected_admin(running_app, page)
    integration_id = kombo_integration_id(running_app, account.organisation)
    httpx.post(
        f"{running_app.url}/sandbox/kombo/control/integrations/{integration_id}/state",
        headers=SANDBOX_HEADERS,
        json={"state": "INVALID"},
    ).raise_for_status()
    expect(hris(page).get_by_text("Needs reconnection")).to_be_visible(timeout=3_000)
    expect(page.get_by_role("alert")).to_contain_text("Needs reconnection: Personio (HRIS)")

    hris(page).get_by_role("button", name="Reconnect").click()
    flow = page.frame_locator("iframe")
    expect(flow.get_by_role("heading")).to_have_text("Reconnect Personio")
    flow.get_by_label("Username").fill("hr-admin")
    flow.get_by_label("Password").fill("new-s3cret-password")
    flow.get_by_role("button", name="Connect").click()

    expect(hris(page).get_by_text("Active")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)
    assert kombo_integration_id(running_app, account.organisation) == integration_id


def test_a_failed_reconnect_leaves_a_working_integration_active_with_a_note(
    running_app, page: Page
):
    connected_admin(running_app, page)

    hris(page).get_by_role("button", name="Reconnect").click()
    flow = page.frame_locator("iframe")
    flow.get_by_label("Username").fill("hr-admin")
    flow.get_by_label("Password").fill("fail")
    flow.get_by_role("button", name="Connect").click()
    expect(flow.get_by_role("alert")).to_be_visible()
    flow.locator("[data-close]").first.click()
    expect(page.locator("iframe")).to_have_count(0)

    note = "Personio still works: the last attempt to reconnect it failed and changed nothing."
    expect(hris(page).get_by_text(note)).to_be_visible(timeout=3_000)
    expect(hris(page).get_by_text("Active", exact=True)).to_be_visible()
    expect(hris(page).get_by_text("Last attempt failed")).to_have_count(0)
    expect(hris(page).get_by_role("link", name=re.compile("Kombo"))).to_be_visible()
    expect(hris(page).get_by_role("button", name="Try again")).to_have_count(0)


def test_cancelling_the_disconnect_dialog_changes_nothing(running_app, page: Page):
    connected_admin(running_app, page)

    hris(page).get_by_role("button", name="Disconnect").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("Disconnect Personio?")
    dialog.get_by_role("button", name="Cancel").click()

    expect(dialog).to_have_count(0)
    expect(hris(page).get_by_text("Active")).to_be_visible()


def test_disconnecting_through_the_dialog_offers_connect_again(running_app, page: Page):
    connected_admin(running_app, page)

    hris(page).get_by_role("button", name="Disconnect").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Disconnect").click()

    expect(page.get_by_role("status")).to_have_text("Personio is disconnected.")
    expect(hris(page).get_by_role("button", name="Connect HRIS again")).to_be_visible()
    expect(hris(page).get_by_text(re.compile(r"^Personio was removed on "))).to_be_visible()
    expect(hris(page).get_by_role("button", name="Disconnect")).to_have_count(0)


def test_disable_then_enable(running_app, page: Page):
    connected_admin(running_app, page)

    hris(page).get_by_role("button", name="Disable").click()
    expect(hris(page).get_by_text("Disabled")).to_be_visible()
    hris(page).get_by_role("button", name="Enable").click()
    expect(hris(page).get_by_text("Active")).to_be_visible()


def test_the_activity_log_shows_each_action_in_order(running_app, page: Page):
    connected_admin(running_app, page)
    hris(page).get_by_role("button", name="Disable").click()
    expect(hris(page).get_by_text("Disabled")).to_be_visible()

    # Kombo's own news of the change ("Personio is disabled", by Kombo) comes by
    # webhook and may land just before or just after the admin's entry, so the
    # order is asserted among the admin's entries only.
    table = page.get_by_role("table")
    expect(table).to_contain_text("Disabled Personio")
    expect(table).to_contain_text("Connected Personio")
    whats = [row.inner_text() for row in table.get_by_role("row").all()[1:]]
    ours = [what for what in whats if "Personio" in what and "\tKombo\t" not in what]
    assert "Disabled Personio" in ours[0], ours
    assert any("Connected Personio" in what for what in ours[1:]), ours
