"""The Integrations page in development mode, where React checks what it renders (HTML
nesting, list keys, props) and says what is wrong in the console; the production
build, which the other browser tests drive, says nothing of it. Every state of the
page is shown once (messages, a connected card, the dialogs), with no complaint.

The app runs as `reflex run` from a clean copy, as in test_reflex_run."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from harness.processes import VENV_BIN, free_port, launch, stop, wait_until_ready
from kombo_portal.config import DEFAULT_SANDBOX_API_KEY
from kombo_portal.paths import SANDBOX_MOUNT_PATH
from kombo_portal.records.accounts import DEMO_ADMIN_EMAIL, DEMO_PASSWORD
from tests.browser.portal import connect_through_the_flow
from tests.browser.react_console import ReactConsole
from tests.browser.test_reflex_run import START_SECONDS, activated_virtualenv, clean_copy

pytestmark = pytest.mark.slow
SANDBOX_HEADERS = {"Authorization": f"Bearer {DEFAULT_SANDBOX_API_KEY}"}
# Development compiles a page's modules on its first visit.
FIRST_VISIT_MS = 60_000


@dataclass(frozen=True)
class DevelopmentApp:
    url: str
    backend_url: str

    def sandbox_control(self, method: str, path: str, **kwargs) -> None:
        url = f"{self.backend_url}{SANDBOX_MOUNT_PATH}/control{path}"
        httpx.request(method, url, headers=SANDBOX_HEADERS, **kwargs).raise_for_status()


@pytest.fixture
def development_app(tmp_path: Path) -> Iterator[DevelopmentApp]:
    copy = clean_copy(tmp_path / "kombo-portal")
    frontend, backend = free_port(), free_port()
    log_path = copy / "reflex-run.log"
    command = [str(Path(VENV_BIN) / "reflex"), "run", "--frontend-port", str(frontend)]
    process: subprocess.Popen[bytes] = launch(
        [*command, "--backend-port", str(backend)],
        log_path,
        activated_virtualenv(),
        cwd=copy,
    )
    app = DevelopmentApp(f"http://localhost:{frontend}", f"http://localhost:{backend}")

    def both_answer() -> bool:
        return (
            httpx.get(f"{app.backend_url}/ping", timeout=2).status_code == 200
            and httpx.get(f"{app.url}/sign-in", timeout=5).status_code == 200
        )

    try:
        wait_until_ready(process, both_answer, log_path, what="reflex run", timeout=START_SECONDS)
        yield app
    finally:
        stop(process)


def test_the_integrations_page_and_its_dialogs_leave_react_nothing_to_complain_of(
    development_app: DevelopmentApp, page: Page, react_console: ReactConsole
):
    app = development_app
    page.goto(f"{app.url}/sign-in")
    page.get_by_label("Email").fill(DEMO_ADMIN_EMAIL, timeout=FIRST_VISIT_MS)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("alert")).to_be_visible()
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    heading = page.get_by_role("heading", name="Integrations", level=1)
    expect(heading).to_be_visible(timeout=FIRST_VISIT_MS)

    # An error with a link to Kombo's log: Kombo fails to make the connection link.
    failing = {"kind": "500", "path_prefix": "/connect/create-link"}
    app.sandbox_control("POST", "/faults", json=failing)
    page.get_by_role("button", name="Connect HRIS").click()
    expect(page.get_by_role("alert").get_by_role("link", name="Kombo's log")).to_be_visible()
    app.sandbox_control("DELETE", "/faults")

    # A connected card, and a notice.
    connect_through_the_flow(page, "HRIS", "HiBob")
    hris = page.locator('[data-category="HRIS"]')
    expect(hris.get_by_text("Active")).to_be_visible(timeout=10_000)

    # The invite dialog, and the invitation it makes.
    ats = page.locator('[data-category="ATS"]')
    ats.get_by_role("button", name="Invite a colleague").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Colleague's email").fill("recruiting@example.test")
    dialog.get_by_role("button", name="Create link").click()
    expect(ats.get_by_text("Invitation for recruiting@example.test")).to_be_visible()

    # The disconnect dialog, cancelled, then confirmed.
    hris.get_by_role("button", name="Disconnect").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("alertdialog")).to_have_count(0)
    hris.get_by_role("button", name="Disconnect").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Disconnect").click()
    expect(hris.get_by_role("button", name="Connect HRIS")).to_be_visible(timeout=10_000)

    # The page rendered afresh from what is stored now.
    page.reload()
    expect(heading).to_be_visible(timeout=FIRST_VISIT_MS)
    expect(page.get_by_role("table")).to_contain_text("Invited a colleague to connect ATS")
    react_console.fail_on_problems()
