"""The Integrations page at 375 px and 1280 px wide, in light and dark colour mode: nothing
scrolls sideways, every control is reachable, both modes are what the browser asks for,
and screenshots of the main states (test-results/screenshots/, and the README's set in
docs/screenshots/, rewritten when the page looks different, so they stay current)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from PIL import Image, ImageChops
from playwright.sync_api import Browser, BrowserContext, Page, expect

from kombo_portal.config import PROJECT_ROOT
from tests.browser.accessibility import ARTIFACTS, audit_context
from tests.browser.portal import add_user, connect_through_the_flow, sign_in
from tests.browser.test_live_updates import SANDBOX_HEADERS, kombo_integration_id

SCREENSHOTS = ARTIFACTS / "screenshots"
README_SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
WIDTHS = {"375": {"width": 375, "height": 812}, "1280": {"width": 1280, "height": 800}}
COLOUR_SCHEMES = ("light", "dark")
# The README's pictures: (state, width, colour scheme). PNG: flat UI colours compress
# well (under 100 kB each), and JPEG would be barely smaller and blur the text.
README_SET = {
    ("connected", "1280", "light"): "integrations-1280-light.png",
    ("connected", "1280", "dark"): "integrations-1280-dark.png",
    ("connected", "375", "light"): "integrations-375-light.png",
    ("flow-open", "1280", "light"): "connect-flow-1280-light.png",
    ("needs-reconnection", "1280", "light"): "needs-reconnection-1280-light.png",
}


@dataclass(frozen=True)
class Organisations:
    """Signed-in browser storage for one organisation per main state."""

    connected: dict
    empty: dict
    needs_reconnection: dict
    # Where the flow is opened (and left open: closing it would log a line each time).
    flow: dict


def signed_in_organisation(app, browser: Browser, name: str, email: str, prepare) -> dict:
    app.cli("org", "add", name)
    add_user(app, name, email, role="admin")
    context = browser.new_context()
    try:
        page = context.new_page()
        sign_in(page, app, email)
        prepare(page)
        return context.storage_state()
    finally:
        context.close()


def connect_hris_and_invite_for_ats(page: Page) -> None:
    connect_through_the_flow(page, "HRIS", "Personio")
    expect(page.locator('[data-category="HRIS"]').get_by_text("Personio")).to_be_visible()
    page.locator('[data-category="ATS"]').get_by_role("button", name="Invite a colleague").click()
    page.get_by_role("dialog").get_by_label("Colleague's email").fill("recruiting@acme.example")
    page.get_by_role("dialog").get_by_role("button", name="Create link").click()
    expect(page.get_by_role("dialog")).to_have_count(0)


@pytest.fixture(scope="module")
def organisations(running_app, browser: Browser) -> Organisations:
    """Made once: every width and colour mode below shows the same data."""

    def broken_hris(page: Page) -> None:
        connect_through_the_flow(page, "HRIS", "HiBob")
        expect(page.locator('[data-category="HRIS"]').get_by_text("HiBob")).to_be_visible()
        integration_id = kombo_integration_id(running_app, "Globex Ltd.")
        httpx.post(
            f"{running_app.url}/sandbox/kombo/control/integrations/{integration_id}/state",
            headers=SANDBOX_HEADERS,
            json={"state": "INVALID"},
        ).raise_for_status()

    return Organisations(
        connected=signed_in_organisation(
            running_app, browser, "Acme Inc.", "ada@acme.example", connect_hris_and_invite_for_ats
        ),
        empty=signed_in_organisation(
            running_app, browser, "Initech GmbH", "grace@initech.example", lambda page: None
        ),
        needs_reconnection=signed_in_organisation(
            running_app, browser, "Globex Ltd.", "alan@globex.example", broken_hris
        ),
        flow=signed_in_organisation(
            running_app, browser, "Umbrella Corp", "ken@umbrella.example", lambda page: None
        ),
    )


@pytest.fixture(params=[(w, c) for w in WIDTHS for c in COLOUR_SCHEMES], ids="-".join)
def screen(request: pytest.FixtureRequest) -> tuple[str, str]:
    return request.param


@pytest.fixture
def open_as(browser: Browser, running_app, screen) -> Iterator:
    """open_as(storage) -> a page of the Integrations page at this width and colour mode."""
    width, colour_scheme = screen
    contexts: list[BrowserContext] = []

    def open_page(storage: dict) -> Page:
        context = audit_context(
            browser,
            color_scheme=colour_scheme,
            viewport=WIDTHS[width],
            storage_state=storage,
        )
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{running_app.url}/settings/integrations")
        expect(page.locator('[data-category="HRIS"]')).to_be_visible()
        page.wait_for_load_state("networkidle")
        return page

    yield open_page
    for context in contexts:
        context.close()


def save(page: Page, state: str, screen: tuple[str, str], *, full_page: bool = True) -> None:
    width, colour_scheme = screen
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    picture = page.screenshot(
        path=SCREENSHOTS / f"{state}-{width}-{colour_scheme}.png",
        full_page=full_page,
        animations="disabled",
        caret="hide",
    )
    readme_name = README_SET.get((state, width, colour_scheme))
    if readme_name:
        README_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        committed = README_SCREENSHOTS / readme_name
        if not committed.exists() or looks_different(committed.read_bytes(), picture):
            committed.write_bytes(picture)


# Share of pixels that may differ while a picture still shows the same page: the
# times and dates of a run (some 600 pixels for the times alone). A changed layout,
# a new line or a new colour differs in far more.
SAME_PAGE_DIFFERENT_PIXELS = 0.01


def looks_different(old_png: bytes, new_png: bytes) -> bool:
    """Whether two screenshots show different pages, not just other times and dates:
    so `make test` leaves the README's pictures alone unless the page changed."""
    old, new = (Image.open(io.BytesIO(png)).convert("RGB") for png in (old_png, new_png))
    if old.size != new.size:
        return True
    # The difference's red, green and blue summed into one band: 0 where they agree.
    difference = ImageChops.difference(old, new).convert("L")
    changed = sum(difference.point(lambda level: 255 if level else 0).histogram()[255:])
    return changed > SAME_PAGE_DIFFERENT_PIXELS * old.width * old.height


def assert_fits_the_width(page: Page) -> None:
    """No sideways scrolling, and every button lies inside the viewport's width."""
    scroll_width, inner_width = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert scroll_width <= inner_width, f"the page is {scroll_width}px wide in {inner_width}px"
    outside = page.evaluate(
        """(width) => [...document.querySelectorAll("button, a[href], input")]
            .filter((element) => element.offsetParent !== null)
            .filter((element) => {
                const box = element.getBoundingClientRect();
                return box.left < 0 || box.right > width;
            })
            .map((element) => element.outerHTML.slice(0, 80))""",
        inner_width,
    )
    assert outside == []


# The colour mode does not depend on the width: one width is enough.
WIDE = [("1280", colour_scheme) for colour_scheme in COLOUR_SCHEMES]


@pytest.mark.parametrize("screen", WIDE, ids="-".join)
def test_the_page_follows_the_browsers_colour_mode(open_as, organisations, screen):
    page = open_as(organisations.empty)
    _, colour_scheme = screen

    expect(page.locator("html")).to_have_class(colour_scheme)


@pytest.mark.parametrize("screen", WIDE, ids="-".join)
def test_the_colour_mode_toggle_switches_and_says_which(open_as, organisations, screen):
    page = open_as(organisations.empty)
    _, colour_scheme = screen
    other = "dark" if colour_scheme == "light" else "light"
    toggle = page.locator("[data-colour-mode-toggle]")
    expect(toggle).to_have_attribute("aria-pressed", str(colour_scheme == "dark").lower())

    toggle.click()

    expect(page.locator("html")).to_have_class(other)
    expect(toggle).to_have_attribute("aria-pressed", str(other == "dark").lower())


def test_the_main_states_fit_and_are_photographed(open_as, organisations, screen):
    connected = open_as(organisations.connected)
    expect(connected.get_by_text("recruiting@acme.example")).to_be_visible()
    expect(connected.get_by_role("table")).to_be_visible()
    assert_fits_the_width(connected)
    save(connected, "connected", screen)

    broken = open_as(organisations.needs_reconnection)
    expect(
        broken.locator('[data-category="HRIS"]').get_by_text("Needs reconnection")
    ).to_be_visible()
    assert_fits_the_width(broken)
    save(broken, "needs-reconnection", screen)

    empty = open_as(organisations.empty)
    assert_fits_the_width(empty)
    save(empty, "empty", screen)

    opening = open_as(organisations.flow)
    opening.locator('[data-category="HRIS"]').get_by_role("button", name="Connect HRIS").click()
    flow = opening.frame_locator("iframe")
    expect(flow.get_by_role("button", name="Personio")).to_be_visible()
    # The flow's overlay covers the window, not the whole page.
    save(opening, "flow-open", screen, full_page=False)
