"""The portal in German, end to end: the switch on the page, the page's words, <html
lang>, the tab's title, the sandbox's Connect flow, and the language kept for the next
visit."""

import re

from playwright.sync_api import Page, expect

from kombo_portal.config import DEFAULT_PRODUCT_NAME
from tests.browser.portal import new_organisation, sign_in


def test_an_admin_switches_to_german_and_connects_in_german(running_app, page: Page):
    account = new_organisation(running_app)
    sign_in(page, running_app, account.email)

    page.get_by_label("Language").select_option("de")

    expect(page.get_by_role("heading", name="Integrationen", level=1)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    # The browser tab's title too, not only the page's words.
    expect(page).to_have_title(f"Integrationen · {DEFAULT_PRODUCT_NAME}")
    hris = page.locator('[data-category="HRIS"]')
    expect(hris.get_by_role("heading", name="HR-System")).to_be_visible()
    expect(hris.get_by_text("Nicht verbunden")).to_be_visible()

    hris.get_by_role("button", name="HRIS verbinden").click()
    expect(hris.get_by_text("Wird verbunden …")).to_be_visible()
    flow = page.frame_locator("iframe")
    expect(flow.get_by_role("heading", level=1)).to_have_text("HR-System verbinden")
    expect(flow.locator("html")).to_have_attribute("lang", "de")
    flow.get_by_role("button", name="Personio").click()
    flow.get_by_label("Benutzername").fill("hr-admin")
    flow.get_by_label("Passwort").fill("s3cret-password")
    flow.get_by_role("button", name="Verbinden").click()

    expect(hris.get_by_text("Aktiv", exact=True)).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("Personio ist verbunden.")
    expect(hris.get_by_text(re.compile(r"^Verbunden von .+ am \d+\. "))).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("Personio verbunden")

    # Stored on the user: the next visit is German from the start.
    page.reload()
    expect(page.get_by_role("heading", name="Integrationen", level=1)).to_be_visible()
    expect(page.get_by_label("Sprache")).to_have_value("de")
    expect(page).to_have_title(f"Integrationen · {DEFAULT_PRODUCT_NAME}")


def test_the_sign_in_page_follows_the_browsers_language(running_app, browser):
    context = browser.new_context(locale="de-DE")
    page = context.new_page()
    try:
        page.goto(f"{running_app.url}/sign-in")

        expect(page.get_by_role("heading", name="Anmelden", level=1)).to_be_visible()
        expect(page.locator("html")).to_have_attribute("lang", "de")
        expect(page).to_have_title(f"Anmelden · {DEFAULT_PRODUCT_NAME}")
        page.get_by_label("Sprache").select_option("fr")
        expect(page.get_by_role("heading", name="Connexion", level=1)).to_be_visible()
        expect(page).to_have_title(f"Connexion · {DEFAULT_PRODUCT_NAME}")
        expect(page.get_by_label("Mot de passe")).to_be_visible()
    finally:
        context.close()
