"""What every test folder of the repository shares: one Chromium for the session.

Playwright's sync API keeps an event loop running in the test thread once started,
so a second instance cannot start beside it: the portal's browser tests and the
Connect component package's use this one.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

from harness.chromium import CHROMIUM_ARGS, CHROMIUM_PATH


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
