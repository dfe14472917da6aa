"""Operator branding: a build with PORTAL_PRODUCT_NAME, PORTAL_LOGO_URL (an https URL, so
the Content-Security-Policy must let it load) and PORTAL_ACCENT_COLOR shows them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, Route, expect

from harness.app_server import RunningApp, start_app, web_workdir_for
from tests.browser.portal import new_organisation, sign_in

PRODUCT_NAME = "Acme HR Cloud"
LOGO_URL = "https://brand.acme.example/logo.svg"
ACCENT = "plum"
LOGO_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
    '<rect width="32" height="32" fill="#ab4aba"/></svg>'
)


@pytest.fixture(scope="module")
def branded_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    app = start_app(
        tmp_path_factory.mktemp("branded"),
        {
            "PORTAL_PRODUCT_NAME": PRODUCT_NAME,
            "PORTAL_LOGO_URL": LOGO_URL,
            "PORTAL_ACCENT_COLOR": ACCENT,
        },
        web_workdir=web_workdir_for("branded"),
    )
    yield app
    app.stop()


def serve_the_logo(page: Page) -> None:
    """The logo's host is not on this machine: the browser gets it from here, still
    subject to the page's real Content-Security-Policy."""

    def fulfil(route: Route) -> None:
        route.fulfill(status=200, content_type="image/svg+xml", body=LOGO_SVG)

    page.route(LOGO_URL, fulfil)


def test_the_branded_app_shows_the_operators_name_logo_and_accent(branded_app, page: Page):
    serve_the_logo(page)
    account = new_organisation(branded_app)

    page.goto(f"{branded_app.url}/sign-in")
    expect(page).to_have_title(f"Sign in · {PRODUCT_NAME}")
    expect(page.locator("[data-brand]")).to_contain_text(PRODUCT_NAME)

    sign_in(page, branded_app, account.email)

    expect(page).to_have_title(f"Integrations · {PRODUCT_NAME}")
    header = page.get_by_role("banner")
    expect(header).to_contain_text(PRODUCT_NAME)
    logo = header.locator(f'img[src="{LOGO_URL}"]')
    expect(logo).to_be_visible()
    # Loaded, not blocked by img-src: a broken image has no natural width.
    page.wait_for_function(
        "(image) => image.complete && image.naturalWidth > 0", arg=logo.element_handle()
    )
    expect(page.locator(".radix-themes").first).to_have_attribute("data-accent-color", ACCENT)
    expect(page.get_by_role("button", name="Connect HRIS")).to_have_css(
        "background-color",
        "rgb(171, 74, 186)",  # Radix's plum 9
    )
