"""The portal as a customer admin uses it: the real built app, the sandbox, the real
`@kombo-api/connect` in Chromium."""

import re
import sqlite3

from playwright.sync_api import Page, expect

from kombo_portal.records.accounts import DEMO_ADMIN_EMAIL, DEMO_PASSWORD
from tests.browser.portal import add_user, connect_through_the_flow, new_organisation, sign_in
from tests.browser.test_smoke import record_problems


def card(page: Page, category: str):
    return page.locator(f'[data-category="{category}"]')


def stored_integrations(app, organisation: str) -> list[tuple[str, str, str]]:
    path = app.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        return db.execute(
            "SELECT integration.category, integration.tool_id, integration.state "
            "FROM integration JOIN organisation ON organisation.id = integration.organisation_id "
            "WHERE organisation.name = ?",
            (organisation,),
        ).fetchall()


def test_an_admin_connects_an_hris_and_the_card_shows_it(running_app, page: Page):
    account = new_organisation(running_app)
    problems = record_problems(page)
    sign_in(page, running_app, account.email)

    connect_through_the_flow(page, "HRIS", "HiBob")

    hris = card(page, "HRIS")
    expect(hris.get_by_text("HiBob")).to_be_visible(timeout=5_000)
    expect(hris.get_by_text("Active")).to_be_visible(timeout=5_000)
    expect(page.get_by_role("status")).to_have_text("HiBob is connected.")
    expect(hris.get_by_role("button", name="Connect HRIS")).to_have_count(0)
    expect(card(page, "ATS").get_by_role("button", name="Connect ATS")).to_be_visible()

    page.reload()
    expect(card(page, "HRIS").get_by_text("HiBob")).to_be_visible()
    expect(card(page, "HRIS").get_by_text(re.compile(r"Connected by .+ on "))).to_be_visible()
    assert stored_integrations(running_app, account.organisation) == [("HRIS", "hibob", "ACTIVE")]
    assert problems == []


def test_cancelling_the_flow_shows_a_notice_and_stores_nothing(running_app, page: Page):
    account = new_organisation(running_app)
    sign_in(page, running_app, account.email)

    page.get_by_role("button", name="Connect ATS").click()
    page.frame_locator("iframe").get_by_role("button", name="Close").click()

    expect(page.get_by_role("status")).to_have_text(
        "Connecting was cancelled. Nothing was changed."
    )
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(page.locator("iframe")).to_have_count(0)
    expect(card(page, "ATS").get_by_role("button", name="Connect ATS")).to_be_enabled()
    assert stored_integrations(running_app, account.organisation) == []


def test_a_member_sees_the_cards_without_connect_buttons(running_app, page: Page):
    account = new_organisation(running_app)
    member = account.email.replace("admin-", "member-")
    add_user(running_app, account.organisation, member, role="member")

    sign_in(page, running_app, member)

    expect(card(page, "HRIS").get_by_text("Not connected")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Connect"))).to_have_count(0)
    expect(page.get_by_role("button", name="Invite a colleague")).to_have_count(0)
    expect(page.get_by_role("heading", name="Activity")).to_be_visible()


def test_signed_out_visits_go_to_sign_in_and_come_back_after_it(running_app, page: Page):
    page.goto(f"{running_app.url}/settings/integrations")

    expect(page).to_have_url(re.compile(r"/sign-in/?\?next=/settings/integrations/?$"))
    page.get_by_label("Email").fill(DEMO_ADMIN_EMAIL)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()

    expect(page).to_have_url(re.compile(r"/settings/integrations/?$"))
    expect(page.get_by_text("Demo Company")).to_be_visible()


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(running_app, page):
    page.goto(f"{running_app.url}/sign-in")
    page.get_by_label("Email").fill(DEMO_ADMIN_EMAIL)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in", exact=True).click()

    expect(page.get_by_role("alert")).to_have_text("The email or the password is not right.")
    expect(page).to_have_url(re.compile(r"/sign-in"))


def test_signing_out_ends_the_session(running_app, page: Page):
    account = new_organisation(running_app)
    sign_in(page, running_app, account.email)

    with page.expect_request(lambda request: "/auth/sign-out" in request.url) as signing_out:
        page.get_by_role("button", name="Sign out").click()

    assert signing_out.value.method == "POST"  # never a link another site could load
    expect(page).to_have_url(re.compile(r"/sign-in/?$"))
    page.goto(f"{running_app.url}/settings/integrations")
    expect(page).to_have_url(re.compile(r"/sign-in/?\?next="))


def test_the_session_cookie_is_httponly_and_invisible_to_scripts(running_app, page: Page):
    account = new_organisation(running_app)
    sign_in(page, running_app, account.email)

    [cookie] = [c for c in page.context.cookies() if c["name"] == "kombo_portal_session"]

    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Lax"
    assert "kombo_portal_session" not in page.evaluate("document.cookie")
