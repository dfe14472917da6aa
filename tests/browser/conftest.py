"""The real app in a real browser: one production build per test run, shared by the tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from harness.app_server import RunningApp, start_app
from harness.chromium import CHROMIUM_PATH
from tests.browser.react_console import ReactConsole

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-results"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(item.fspath).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.browser)
    # Browser tests last: Playwright's sync API keeps an event loop running in this
    # thread for the rest of the session, which the asyncio tests cannot share.
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


def require_chromium() -> None:
    if not Path(CHROMIUM_PATH).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM_PATH}: install it (Debian: apt-get install "
            "chromium) or set CHROMIUM_PATH"
        )


@pytest.fixture(scope="session")
def running_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    require_chromium()  # before the build, which takes a while
    app = start_app(tmp_path_factory.mktemp("app"))
    yield app
    app.stop()


@pytest.fixture(scope="session")
def react_console() -> ReactConsole:
    return ReactConsole()


@pytest.fixture(scope="session")
def browser(browser: Browser, react_console: ReactConsole) -> Iterator[Browser]:
    """The session's Chromium, its pages watched for React's complaints and for
    uncaught exceptions (tests.browser.react_console)."""
    react_console.watch(browser)
    yield browser
    react_console.stop()


@pytest.fixture(autouse=True)
def no_react_console_problems(react_console: ReactConsole) -> Iterator[None]:
    """Fails the test, after its pages are closed, on any error or warning React
    logged meanwhile, or any uncaught exception (in a module's fixtures too: the
    module's first test reports it)."""
    yield
    react_console.fail_on_problems()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    require_chromium()
    context = browser.new_context()
    page = context.new_page()
    yield page
    if getattr(request.node, "failed", False):
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / f"{request.node.name}.png", full_page=True)
    context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    report = yield
    if report.when == "call" and report.failed:
        item.failed = True  # type: ignore[attr-defined]
    return report
