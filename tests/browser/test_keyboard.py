"""The portal with the keyboard alone: sign in, connect an HRIS through the sandbox's flow
in its iframe, and the dialogs (focus kept inside, Escape closes them)."""

from __future__ import annotations

import re

from playwright.sync_api import FrameLocator, Locator, Page, expect

from tests.browser.portal import PASSWORD, connect_through_the_flow, new_organisation, sign_in

# More presses than any page here has controls before the one looked for.
MAX_TABS = 25

FOCUSED_NAME = """() => {
    const element = document.activeElement;
    return (element.getAttribute("aria-label") || element.innerText || element.value || "").trim();
}"""


def card(page: Page, category: str):
    return page.locator(f'[data-category="{category}"]')


def tab_to(page: Page, target: Locator) -> list[str]:
    """Press Tab until `target` has the focus; the names of the controls passed on the way.

    Also checks that Tab went through them in the order they have on the page.
    """
    passed = []
    page.evaluate("window.tabbed = []")
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        page.evaluate("window.tabbed.push(document.activeElement)")
        if target.evaluate("(element) => element === document.activeElement"):
            in_page_order = page.evaluate(
                """window.tabbed.every((element, i) => i === 0 ||
                    window.tabbed[i - 1].compareDocumentPosition(element) &
                    Node.DOCUMENT_POSITION_FOLLOWING)"""
            )
            assert in_page_order, f"Tab jumped around the page: {passed}"
            return passed
        passed.append(page.evaluate(FOCUSED_NAME))
    raise AssertionError(f"{target} not reached with Tab; focus went through {passed}")


def tab_in_flow_to(page: Page, flow: FrameLocator, name: str) -> None:
    for _ in range(MAX_TABS):
        if flow.locator(":focus").count() and flow.locator(":focus").inner_text() == name:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{name!r} not reached with Tab inside the flow")


def press_closing_the_flow(page: Page, key: str) -> None:
    """Press `key` in the flow, where its keydown ends the flow and removes the iframe.

    The key goes up only once the iframe is gone: a key-up sent to a frame Chromium is
    tearing down can leave the press waiting forever for its acknowledgement."""
    page.keyboard.down(key)
    expect(page.locator("iframe")).to_have_count(0)
    page.keyboard.up(key)


def sign_in_with_the_keyboard(page: Page, app, email: str) -> None:
    page.goto(f"{app.url}/sign-in")
    expect(page.get_by_label("Email")).to_be_enabled()
    tab_to(page, page.get_by_label("Email"))
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Integrations", level=1)).to_be_visible()


def focus_is_inside(page: Page, selector: str) -> bool:
    return page.evaluate(
        "(selector) => document.querySelector(selector)?.contains(document.activeElement)",
        selector,
    )


def test_connecting_an_hris_with_the_keyboard_alone(running_app, page: Page):
    account = new_organisation(running_app)
    sign_in_with_the_keyboard(page, running_app, account.email)
    expect(card(page, "HRIS").get_by_role("button", name="Connect HRIS")).to_be_enabled()

    # Focus order follows the page: the header, then the HR system card, before the ATS's.
    passed = tab_to(page, card(page, "HRIS").get_by_role("button", name="Connect HRIS"))
    assert "Sign out" in passed
    assert "Connect ATS" not in passed
    page.keyboard.press("Enter")

    flow = page.frame_locator("iframe")
    expect(page.locator("iframe")).to_have_attribute("title", re.compile(r"\w"))
    expect(flow.get_by_role("heading", level=1)).to_be_visible()
    # The flow takes the focus, and the page behind it is out of reach.
    expect(flow.locator("button[name=tool]").first).to_be_focused()
    assert page.evaluate("document.activeElement.tagName") == "IFRAME"
    assert page.evaluate("document.querySelector('main').closest('[inert]') !== null")
    # A script giving the page behind the focus does not take it out of the flow.
    page.evaluate("window.focus()")
    expect(flow.locator("body")).to_be_attached()
    assert page.frames[1].evaluate("document.hasFocus()")

    tab_in_flow_to(page, flow, "BambooHR")
    page.keyboard.press("Enter")
    expect(flow.get_by_label("Username")).to_be_focused()
    page.keyboard.type("hr-admin")
    page.keyboard.press("Tab")
    expect(flow.get_by_label("Password")).to_be_focused()
    page.keyboard.type("s3cret-password")
    press_closing_the_flow(page, "Enter")

    expect(card(page, "HRIS").get_by_text("BambooHR")).to_be_visible()
    # Back where the flow started: the HR system card, whose Connect button is gone.
    expect(card(page, "HRIS")).to_be_focused()
    # Kombo's webhook may show the card before the flow's own answer; its buttons
    # wait for that answer.
    expect(card(page, "HRIS").get_by_role("button", name="Reconnect")).to_be_enabled()
    assert page.evaluate("document.querySelector('main').closest('[inert]') === null")
    # And on from there with Tab: into the card's new actions.
    page.keyboard.press("Tab")
    assert focus_is_inside(page, '[data-category="HRIS"]')


def test_escape_closes_the_flow_and_the_focus_returns_to_the_card(running_app, page: Page):
    account = new_organisation(running_app)
    sign_in(page, running_app, account.email)
    card(page, "ATS").get_by_role("button", name="Connect ATS").focus()
    page.keyboard.press("Enter")
    flow = page.frame_locator("iframe")
    expect(flow.get_by_role("heading", level=1)).to_be_visible()
    expect(flow.locator(":focus")).to_have_count(1)

    press_closing_the_flow(page, "Escape")

    expect(page.get_by_role("status")).to_contain_text("cancelled")
    expect(card(page, "ATS")).to_be_focused()


def open_the_invite_dialog(page: Page, category: str) -> tuple[Locator, Locator]:
    """Open "Invite a colleague" on `category`'s card with the keyboard: (its button,
    the dialog)."""
    invite = card(page, category).get_by_role("button", name="Invite a colleague")
    invite.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Colleague's email")).to_be_focused()
    return invite, dialog


def test_the_invite_dialog_keeps_the_focus_and_closes_with_escape(running_app, page: Page):
    account = new_organisation(running_app)
    sign_in(page, running_app, account.email)
    invite, dialog = open_the_invite_dialog(page, "HRIS")

    for key in ["Tab"] * 6 + ["Shift+Tab"] * 6:
        page.keyboard.press(key)
        assert focus_is_inside(page, '[role="dialog"]'), f"focus left the dialog after {key}"

    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    # Back on the button that opened it, not at the top of the page.
    expect(invite).to_be_focused()


def test_the_invite_dialog_gives_the_focus_back_after_cancel_and_create_link(
    running_app, page: Page
):
    account = new_organisation(running_app)
    sign_in(page, running_app, account.email)

    invite, dialog = open_the_invite_dialog(page, "ATS")
    tab_to(page, dialog.get_by_role("button", name="Cancel"))
    page.keyboard.press("Enter")
    expect(dialog).to_have_count(0)
    expect(invite).to_be_focused()

    # Another card's dialog: the focus goes back to that card's button.
    invite, dialog = open_the_invite_dialog(page, "HRIS")
    page.keyboard.type("it@example.test")
    page.keyboard.press("Enter")
    expect(dialog).to_have_count(0)
    expect(page.get_by_role("status")).to_contain_text("it@example.test")
    expect(invite).to_be_focused()


def test_the_disconnect_dialog_keeps_the_focus_and_closes_with_escape(running_app, page: Page):
    account = new_organisation(running_app)
    sign_in(page, running_app, account.email)
    connect_through_the_flow(page, "HRIS", "Personio")
    disconnect = card(page, "HRIS").get_by_role("button", name="Disconnect")
    # The flow closed and gave the focus back before the next key (see above).
    expect(page.locator("iframe")).to_have_count(0)
    expect(disconnect).to_be_enabled()
    disconnect.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_be_visible()
    # The safe choice has the focus first.
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()

    for key in ["Tab"] * 4 + ["Shift+Tab"] * 4:
        page.keyboard.press(key)
        assert focus_is_inside(page, '[role="alertdialog"]'), f"focus left after {key}"

    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(disconnect).to_be_focused()
    expect(card(page, "HRIS").get_by_text("Personio")).to_be_visible()
