"""Signing in from the host product, in Chromium: a hand-off link (as the CLI prints it,
signed with sandbox mode's published secret), the sign-in page's demo button, and a
build with password sign-in switched off."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from harness.app_server import RunningApp, start_app, web_workdir_for
from kombo_portal.paths import INTEGRATIONS_PATH
from tests.browser.portal import connect_through_the_flow
from tests.browser.test_portal import card, stored_integrations

HOST_SIGN_IN = "https://app.product.test/login"


def handoff_link(app: RunningApp, role: str) -> tuple[str, str]:
    """A link the host product would send its user to, and the organisation's name."""
    suffix = uuid.uuid4().hex[:8]
    organisation = f"Hosted Org {suffix}"
    link = app.cli(
        "handoff", "--org-id", f"org-{suffix}", "--org-name", organisation,
        "--email", f"{role}-{suffix}@hosted.test", "--name", f"Hana {role.title()}",
        "--role", role, "--base-url", app.url,
    ).stdout.strip()  # fmt: skip
    return link, organisation


def integrations_page(app: RunningApp) -> re.Pattern[str]:
    return re.compile(re.escape(f"{app.url}{INTEGRATIONS_PATH}") + "/?$")


def test_an_admin_handed_off_by_the_host_connects_an_hris(running_app, page: Page):
    link, organisation = handoff_link(running_app, "admin")

    page.goto(link)

    expect(page).to_have_url(integrations_page(running_app))
    expect(page.get_by_role("banner")).to_contain_text("Hana Admin")
    expect(page.get_by_role("banner")).to_contain_text(organisation)
    connect_through_the_flow(page, "HRIS", "HiBob")
    expect(card(page, "HRIS").get_by_text("Active")).to_be_visible(timeout=5_000)
    assert stored_integrations(running_app, organisation) == [("HRIS", "hibob", "ACTIVE")]
    # The link was spent: opened again, it signs nobody in.
    page.context.clear_cookies()
    page.goto(link)
    expect(page.get_by_text("has expired or was already used")).to_be_visible()


def test_a_member_handed_off_by_the_host_cannot_connect(running_app, page: Page):
    link, _ = handoff_link(running_app, "member")

    page.goto(link)

    expect(card(page, "HRIS").get_by_text("Not connected")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Connect"))).to_have_count(0)
    expect(page.get_by_role("button", name="Invite a colleague")).to_have_count(0)


def test_the_demo_button_signs_in_through_the_hand_off(running_app, page: Page):
    visited: list[str] = []
    page.on("request", lambda request: visited.append(urlsplit(request.url).path))
    page.goto(f"{running_app.url}/sign-in")

    page.get_by_role("button", name="Sign in as the demo admin through a hand-off").click()

    expect(page).to_have_url(integrations_page(running_app))
    expect(page.get_by_role("banner")).to_contain_text("Dana Demo")
    assert "/auth/demo-host" in visited
    assert "/auth/handoff" in visited


@pytest.fixture(scope="module")
def host_only_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    app = start_app(
        tmp_path_factory.mktemp("host-only"),
        {"PORTAL_PASSWORD_SIGN_IN": "0", "PORTAL_HOST_SIGN_IN_URL": HOST_SIGN_IN},
        web_workdir=web_workdir_for("host-only"),
    )
    yield app
    app.stop()


def test_with_password_sign_in_off_the_page_sends_people_to_the_host(host_only_app, page: Page):
    page.goto(f"{host_only_app.url}/sign-in")

    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    expect(page.get_by_label("Password")).to_have_count(0)
    expect(page.get_by_text("admin@demo.test")).to_have_count(0)  # no demo passwords either
    link = page.get_by_role("link", name="Go to the sign-in")
    expect(link).to_have_attribute("href", HOST_SIGN_IN)
    # The host's hand-off still signs people in.
    link_to_portal, organisation = handoff_link(host_only_app, "admin")
    page.goto(link_to_portal)
    expect(page.get_by_role("banner")).to_contain_text(organisation)
