"""Inviting a colleague: a magic link completed without a portal session attaches
the integration to the right organisation, live; a revoked one attaches nothing."""

import sqlite3
import time

from playwright.sync_api import Browser, Page, expect

from tests.browser.portal import new_organisation, sign_in


def ats(page: Page):
    return page.locator('[data-category="ATS"]')


def invite(page: Page, email: str) -> None:
    ats(page).get_by_role("button", name="Invite a colleague").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Colleague's email").fill(email)
    dialog.get_by_role("button", name="Create link").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(ats(page).get_by_text(f"Invitation for {email}")).to_be_visible()


def magic_link(app, email: str) -> str:
    with sqlite3.connect(app.database_url.removeprefix("sqlite:///")) as db:
        [(url,)] = db.execute(
            "SELECT url FROM magic_link WHERE colleague_email = ?", (email,)
        ).fetchall()
    return url


def wait_for_flag(app, flag: str, seconds: float = 10) -> bool:
    """Has the portal received (and flagged) the webhook? Polls its database."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with sqlite3.connect(app.database_url.removeprefix("sqlite:///")) as db:
            if db.execute("SELECT 1 FROM webhook_event WHERE flag = ?", (flag,)).fetchall():
                return True
        time.sleep(0.2)
    return False


def colleague_completes(browser: Browser, url: str) -> None:
    """Someone with no portal account opens the link on their own and connects."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(url)
        page.get_by_role("button", name="Greenhouse").click()
        page.get_by_label("Username").fill("recruiting-admin")
        page.get_by_label("Password").fill("their-own-password")
        page.get_by_role("button", name="Connect").click()
        expect(page.get_by_role("heading", name="Connected")).to_be_visible()
    finally:
        context.close()


def test_a_colleagues_magic_link_attaches_the_integration_live(running_app, page, browser):
    account = new_organisation(running_app)
    sign_in(page, running_app, account.email)
    email = f"recruiter-{account.email.split('-')[1]}"
    invite(page, email)

    colleague_completes(browser, magic_link(running_app, email))

    expect(ats(page).get_by_text("Greenhouse")).to_be_visible(timeout=5_000)
    expect(ats(page).get_by_text("Active")).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("Invited a colleague to connect ATS")


def test_a_revoked_invitation_attaches_nothing(running_app, page, browser):
    account = new_organisation(running_app)
    sign_in(page, running_app, account.email)
    email = f"recruiter-{account.email.split('-')[1]}"
    invite(page, email)
    url = magic_link(running_app, email)

    ats(page).get_by_role("button", name="Revoke").click()
    expect(ats(page).get_by_text(f"Invitation for {email}")).to_have_count(0)
    colleague_completes(browser, url)

    assert wait_for_flag(running_app, "created through a revoked invitation")
    page.reload()
    expect(ats(page).get_by_role("button", name="Connect ATS")).to_be_visible()
    expect(ats(page).get_by_text("Greenhouse")).to_have_count(0)
