"""Every page and state passes an axe-core audit (no serious or critical violations), in
light and dark colour mode; status is never told by colour alone."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.accessibility import assert_accessible, audit_context, install_axe
from tests.browser.portal import connect_through_the_flow, new_organisation, sign_in
from tests.browser.test_live_updates import SANDBOX_HEADERS, kombo_integration_id

COLOUR_SCHEMES = ("light", "dark")


@pytest.fixture(scope="session", autouse=True)
def axe_installed() -> None:
    install_axe()


@pytest.fixture(params=COLOUR_SCHEMES)
def colour_scheme(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def audited(browser: Browser, colour_scheme: str) -> Iterator[Page]:
    context = audit_context(browser, color_scheme=colour_scheme)
    yield context.new_page()
    context.close()


@pytest.fixture
def audited_light(browser: Browser) -> Iterator[Page]:
    context = audit_context(browser)
    yield context.new_page()
    context.close()


def card(page: Page, category: str):
    return page.locator(f'[data-category="{category}"]')


def connected_admin(app, page: Page):
    account = new_organisation(app)
    sign_in(page, app, account.email)
    connect_through_the_flow(page, "HRIS", "Personio")
    expect(card(page, "HRIS").get_by_text("Active")).to_be_visible()
    return account


def assert_states_are_words_and_icons(page: Page) -> None:
    """Status is never colour alone: each card's badges carry words, its state an icon."""
    for category_card in page.locator("[data-category]").all():
        badges = category_card.locator(".rt-Badge")
        assert all(badge.inner_text().strip() for badge in badges.all())
        assert category_card.locator(".rt-Badge svg").count() >= 1


def flow_link(app) -> str:
    """A Connect link straight from the sandbox's API, to audit its flow page on its own."""
    response = httpx.post(
        f"{app.url}/sandbox/kombo/v1/connect/create-link",
        headers=SANDBOX_HEADERS,
        json={"end_user_email": "admin@acme.test", "end_user_organization_name": "Acme"},
    )
    response.raise_for_status()
    return response.json()["data"]["link"]


def test_sign_in_page(running_app, audited: Page, colour_scheme: str):
    audited.goto(f"{running_app.url}/sign-in")
    expect(audited.get_by_role("heading", level=1)).to_be_visible()
    expect(audited.get_by_label("Email")).to_be_enabled()

    assert_accessible(audited, f"sign-in ({colour_scheme})")


def test_integrations_with_nothing_connected(running_app, audited: Page, colour_scheme: str):
    account = new_organisation(running_app)
    sign_in(audited, running_app, account.email)
    expect(card(audited, "HRIS")).to_be_visible()

    assert_accessible(audited, f"integrations, nothing connected ({colour_scheme})")
    assert_states_are_words_and_icons(audited)


def test_integrations_with_a_connection_and_an_invitation(
    running_app, audited: Page, colour_scheme: str
):
    connected_admin(running_app, audited)
    card(audited, "ATS").get_by_role("button", name="Invite a colleague").click()
    audited.get_by_role("dialog").get_by_label("Colleague's email").fill("ats@example.test")
    audited.get_by_role("dialog").get_by_role("button", name="Create link").click()
    expect(card(audited, "ATS").get_by_text("ats@example.test")).to_be_visible()

    assert_accessible(audited, f"integrations, connected + invitation ({colour_scheme})")
    assert_states_are_words_and_icons(audited)


def test_a_card_needing_reconnection(running_app, audited: Page, colour_scheme: str):
    account = connected_admin(running_app, audited)
    httpx.post(
        f"{running_app.url}/sandbox/kombo/control/integrations/"
        f"{kombo_integration_id(running_app, account.organisation)}/state",
        headers=SANDBOX_HEADERS,
        json={"state": "INVALID"},
    ).raise_for_status()
    expect(card(audited, "HRIS").get_by_text("Needs reconnection")).to_be_visible(timeout=5_000)

    assert_accessible(audited, f"integrations, needs reconnection ({colour_scheme})")
    assert_states_are_words_and_icons(audited)


def test_the_invite_dialog(running_app, audited_light: Page):
    page = audited_light
    account = new_organisation(running_app)
    sign_in(page, running_app, account.email)
    card(page, "HRIS").get_by_role("button", name="Invite a colleague").click()
    expect(page.get_by_role("dialog")).to_be_visible()

    assert_accessible(page, "integrations, invite dialog open")


def test_the_disconnect_dialog(running_app, audited_light: Page):
    page = audited_light
    connected_admin(running_app, page)
    card(page, "HRIS").get_by_role("button", name="Disconnect").click()
    expect(page.get_by_role("alertdialog")).to_be_visible()

    assert_accessible(page, "integrations, disconnect dialog open")


def test_the_page_with_the_flow_open(running_app, audited_light: Page):
    page = audited_light
    account = new_organisation(running_app)
    sign_in(page, running_app, account.email)
    card(page, "HRIS").get_by_role("button", name="Connect HRIS").click()
    expect(page.frame_locator("iframe").get_by_role("heading", level=1)).to_be_visible()

    assert_accessible(page, "integrations, flow open")


def test_the_sandbox_flow_page_at_each_step(running_app, audited: Page, colour_scheme: str):
    page = audited
    page.goto(flow_link(running_app))
    expect(page.get_by_role("button", name="Personio")).to_be_visible()
    assert_accessible(page, f"flow: choose a tool ({colour_scheme})")

    page.get_by_role("button", name="Personio").click()
    expect(page.get_by_label("Username")).to_be_visible()
    assert_accessible(page, f"flow: credentials ({colour_scheme})")

    page.get_by_label("Username").fill("hr-admin")
    page.get_by_label("Password").fill("fail")
    page.get_by_role("button", name="Connect").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert_accessible(page, f"flow: credentials refused ({colour_scheme})")

    page.get_by_label("Password").fill("s3cret-password")
    page.get_by_role("button", name="Connect").click()
    expect(page.get_by_role("status")).to_be_visible()
    assert_accessible(page, f"flow: connected ({colour_scheme})")


def test_an_expired_or_unknown_link_page(running_app, audited_light: Page):
    page = audited_light
    page.goto(f"{running_app.url}/sandbox/kombo/connect?token=no-such-token")
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    assert_accessible(page, "flow: unknown link")


def set_state_at_kombo(app, account, **fields) -> None:
    httpx.post(
        f"{app.url}/sandbox/kombo/control/integrations/"
        f"{kombo_integration_id(app, account.organisation)}/state",
        headers=SANDBOX_HEADERS,
        json=fields,
    ).raise_for_status()


@pytest.mark.parametrize("state", ["setup incomplete", "disabled", "last attempt failed"])
def test_the_other_card_states(running_app, audited_light: Page, state: str):
    page = audited_light
    account = connected_admin(running_app, page)
    if state == "setup incomplete":
        set_state_at_kombo(running_app, account, setup_status="INCOMPLETE")
        expect(card(page, "HRIS").get_by_text("Setup incomplete")).to_be_visible(timeout=5_000)
    elif state == "disabled":
        card(page, "HRIS").get_by_role("button", name="Disable").click()
        expect(card(page, "HRIS").get_by_text("Disabled", exact=True)).to_be_visible()
    else:
        # A refused sign-in at the tool: Kombo reports the failed flow.
        connect_through_the_flow(page, "ATS", "Greenhouse", password="fail")
        expect(card(page, "ATS").get_by_text("Last attempt failed")).to_be_visible(timeout=5_000)
        page.frame_locator("iframe").locator("[data-close]").first.click()
        expect(page.locator("iframe")).to_have_count(0)

    assert_accessible(page, f"integrations, {state}")
    assert_states_are_words_and_icons(page)


def test_a_removed_integration_in_german(running_app, audited_light: Page):
    page = audited_light
    connected_admin(running_app, page)
    card(page, "HRIS").get_by_role("button", name="Disconnect").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Disconnect").click()
    expect(card(page, "HRIS").get_by_text("Removed", exact=True)).to_be_visible()
    page.get_by_label("Language").select_option("de")
    expect(page.get_by_role("heading", name="Integrationen", level=1)).to_be_visible()

    assert_accessible(page, "integrations, removed, in German")
    assert_states_are_words_and_icons(page)
