"""The component in Chromium with the real `@kombo-api/connect`, in the demo app, whose
stand-in flow page speaks Kombo's messages (success with a token, close)."""

from __future__ import annotations

import pytest
from playwright.sync_api import FrameLocator, Page, expect

pytestmark = pytest.mark.browser


def flow(page: Page) -> FrameLocator:
    return page.frame_locator("iframe")


def reports(page: Page):
    return page.locator("#reports li")


def page_is_inert(page: Page) -> bool:
    return page.evaluate("document.querySelector('main').closest('[inert]') !== null")


def press_behind_the_flow(page: Page, button_id: str) -> None:
    """What the app does while the flow covers the page (the page is inert to people)."""
    page.evaluate("(id) => document.getElementById(id).click()", button_id)


def open_flow(page: Page, number: int = 1) -> None:
    page.get_by_role("button", name="Connect your HR system").click()
    expect(flow(page).get_by_role("heading", name=f"Demo flow {number}")).to_be_visible()


def test_success_reports_the_token_and_gives_the_page_back(page: Page):
    open_flow(page)
    expect(page.locator("iframe")).to_have_attribute("title", "Connect your HR system")
    assert page_is_inert(page)
    expect(flow(page).get_by_role("button", name="Finish")).to_be_focused()

    flow(page).get_by_role("button", name="Finish").click()

    expect(reports(page)).to_have_text(["success demo-token-1"])
    expect(page.locator("iframe")).to_have_count(0)
    assert not page_is_inert(page)
    expect(page.get_by_role("button", name="Connect your HR system")).to_be_focused()


def test_closing_reports_close(page: Page):
    open_flow(page)
    flow(page).get_by_role("button", name="Close").click()

    expect(reports(page)).to_have_text(["closed"])
    expect(page.locator("iframe")).to_have_count(0)
    assert not page_is_inert(page)


def test_a_link_that_is_not_a_url_reports_an_error_and_the_next_flow_still_opens(page: Page):
    page.get_by_role("button", name="Open a bad link").click()
    expect(reports(page)).to_have_text(["error InvalidLinkError"])
    expect(page.locator("iframe")).to_have_count(0)

    open_flow(page)
    flow(page).get_by_role("button", name="Close").click()
    expect(reports(page)).to_have_text(["error InvalidLinkError", "closed"])


def test_unmounting_mid_flow_closes_it_silently_and_restores_the_page(page: Page):
    open_flow(page)
    press_behind_the_flow(page, "toggle")

    expect(page.get_by_text("Component on the page: no")).to_be_visible()
    expect(page.locator("iframe")).to_have_count(0)
    assert not page_is_inert(page)
    expect(reports(page)).to_have_count(0)

    # Back on the page with the link still set, the component opens it again (the
    # link is the trigger), and the library, told the first flow ended, lets it.
    page.get_by_role("button", name="Show or hide the component").click()
    expect(flow(page).get_by_role("heading", name="Demo flow 1")).to_be_visible()
    expect(page.locator("iframe")).to_have_count(1)
    flow(page).get_by_role("button", name="Finish").click()
    expect(reports(page)).to_have_text(["success demo-token-1"])


def test_clearing_the_link_closes_the_flow_without_a_report(page: Page):
    open_flow(page)
    press_behind_the_flow(page, "clear")

    expect(page.locator("iframe")).to_have_count(0)
    assert not page_is_inert(page)
    page.wait_for_timeout(300)
    expect(reports(page)).to_have_count(0)


def test_a_new_link_while_open_replaces_the_flow(page: Page):
    open_flow(page)
    press_behind_the_flow(page, "replace")

    expect(flow(page).get_by_role("heading", name="Demo flow 2")).to_be_visible()
    expect(page.locator("iframe")).to_have_count(1)
    assert page_is_inert(page)
    flow(page).get_by_role("button", name="Finish").click()

    expect(reports(page)).to_have_text(["success demo-token-2"])
    expect(page.locator("iframe")).to_have_count(0)
    assert not page_is_inert(page)
