"""Signing in through the host's OpenID provider, in Chromium: the portal sends the
browser to a real provider running here (harness.oidc_provider), the person signs in on
its form, and comes back signed in to the Integrations page, where they connect an HRIS."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from harness.app_server import RunningApp, start_app, web_workdir_for
from harness.oidc_provider import CLIENT_ID, CLIENT_SECRET, LocalOpenIDProvider, running_provider
from kombo_portal.paths import INTEGRATIONS_PATH
from tests.browser.portal import connect_through_the_flow
from tests.browser.test_portal import card, stored_integrations


@pytest.fixture(scope="module")
def provider() -> Iterator[LocalOpenIDProvider]:
    with running_provider() as provider:
        yield provider


@pytest.fixture(scope="module")
def oidc_app(
    tmp_path_factory: pytest.TempPathFactory, provider: LocalOpenIDProvider
) -> Iterator[RunningApp]:
    app = start_app(
        tmp_path_factory.mktemp("oidc"),
        {
            "PORTAL_OIDC_ISSUER": provider.issuer,
            "PORTAL_OIDC_CLIENT_ID": CLIENT_ID,
            "PORTAL_OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "PORTAL_OIDC_NAME": "Local ID",
        },
        web_workdir=web_workdir_for("oidc"),
    )
    yield app
    app.stop()


def test_an_admin_signs_in_at_the_provider_and_connects_an_hris(
    oidc_app: RunningApp, provider: LocalOpenIDProvider, page: Page
):
    suffix = uuid.uuid4().hex[:8]
    organisation = f"Federated Org {suffix}"
    provider.add_user(
        "grace",
        email=f"grace-{suffix}@federated.test",
        name="Grace Hopper",
        org_id=f"org-{suffix}",
        org_name=organisation,
        role="admin",
    )

    page.goto(f"{oidc_app.url}/sign-in")
    page.get_by_role("button", name="Sign in with Local ID").click()
    expect(page.get_by_role("heading", name="Local provider")).to_be_visible()
    page.get_by_label("Username").fill("grace")
    page.get_by_role("button", name="Sign in", exact=True).click()

    expect(page).to_have_url(re.compile(re.escape(f"{oidc_app.url}{INTEGRATIONS_PATH}") + "/?$"))
    expect(page.get_by_role("heading", name="Integrations", level=1)).to_be_visible()
    expect(page.get_by_role("banner")).to_contain_text("Grace Hopper")
    expect(page.get_by_role("banner")).to_contain_text(organisation)
    connect_through_the_flow(page, "HRIS", "HiBob")
    expect(card(page, "HRIS").get_by_text("Active")).to_be_visible(timeout=5_000)
    assert stored_integrations(oidc_app, organisation) == [("HRIS", "hibob", "ACTIVE")]
    assert provider.token_requests[-1]["code_verifier"], "the code was redeemed with PKCE"
