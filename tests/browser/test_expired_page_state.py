"""A page left open longer than Reflex keeps its state (an hour by default; seconds
here) still shows the next change: the push finds the tab's state made afresh, tells
the page it is stale, and the page asks for its cards again."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect

from harness.app_server import RunningApp, start_app, web_workdir_for
from kombo_portal.config import DEFAULT_SANDBOX_API_KEY
from tests.browser.portal import new_organisation, sign_in
from tests.browser.test_live_updates import connect_hris, kombo_integration_id

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "").strip()
STATE_SECONDS = 6

pytestmark = pytest.mark.skipif(not TEST_REDIS_URL, reason="needs TEST_REDIS_URL (CI sets it)")


@pytest.fixture(scope="module")
def forgetful_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    app = start_app(
        tmp_path_factory.mktemp("expiring"),
        {
            "REFLEX_REDIS_URL": TEST_REDIS_URL,
            "REFLEX_REDIS_TOKEN_EXPIRATION": str(STATE_SECONDS),
            "GRANIAN_WORKERS": "1",
        },
        web_workdir=web_workdir_for("expiring"),
    )
    yield app
    app.stop()


def test_a_page_idle_past_its_state_expiry_still_shows_the_next_change(forgetful_app, page: Page):
    account = new_organisation(forgetful_app)
    sign_in(page, forgetful_app, account.email)
    connect_hris(page)
    integration_id = kombo_integration_id(forgetful_app, account.organisation)

    time.sleep(STATE_SECONDS + 4)  # Reflex has dropped the tab's state from Redis
    response = httpx.post(
        f"{forgetful_app.url}/sandbox/kombo/control/integrations/{integration_id}/state",
        headers={"Authorization": f"Bearer {DEFAULT_SANDBOX_API_KEY}"},
        json={"state": "INVALID"},
    )
    assert response.status_code == 200

    card = page.locator('[data-category="HRIS"]')
    expect(card.get_by_text("Needs reconnection")).to_be_visible(timeout=3_000)
    assert "/sign-in" not in page.url
    # And the page still acts: its buttons work on the cards it shows.
    card.get_by_role("button", name="Disable").click()
    expect(card.get_by_text("Disabled")).to_be_visible()
