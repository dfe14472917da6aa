import re

import httpx
from playwright.sync_api import ConsoleMessage, Page, Response, expect

from kombo_portal.paths import INTEGRATIONS_PATH
from kombo_portal.records.accounts import DEMO_ADMIN_EMAIL, DEMO_PASSWORD


def record_problems(page: Page) -> list[str]:
    """Console errors, uncaught exceptions and failed responses seen by the page."""
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(f"{message.text} (on {page.url})")

    def on_response(response: Response) -> None:
        if response.status >= 400:
            problems.append(f"{response.status} {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"{error} (on {page.url})"))
    page.on("response", on_response)
    return problems


def test_the_pages_load_with_no_console_errors(running_app, page: Page):
    problems = record_problems(page)

    page.goto(f"{running_app.url}/")
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    page.get_by_label("Email").fill(DEMO_ADMIN_EMAIL)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()

    expect(page).to_have_url(re.compile(re.escape(f"{running_app.url}{INTEGRATIONS_PATH}") + "/?$"))
    expect(page.get_by_role("heading", name="Integrations", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="HR system")).to_be_visible()
    expect(page.get_by_role("heading", name="Recruiting system")).to_be_visible()
    # Reflex shows this banner when its websocket cannot reach the backend.
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("Cannot connect to server")).to_have_count(0)
    assert problems == []


def test_the_running_app_answers_its_health_check(running_app):
    response = httpx.get(f"{running_app.url}/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_no_secret_reaches_the_browser_bundle(running_app):
    from harness.app_server import PROJECT_ROOT, TEST_WEB_WORKDIR
    from kombo_portal.config import (
        DEFAULT_SANDBOX_API_KEY,
        SANDBOX_SECRET_KEY,
        SANDBOX_WEBHOOK_SECRET,
    )

    client = PROJECT_ROOT / TEST_WEB_WORKDIR / "build" / "client"
    shipped = [path for path in client.rglob("*") if path.suffix in {".js", ".html", ".json"}]
    assert shipped, "the production build is where the tests expect it"
    for secret in (DEFAULT_SANDBOX_API_KEY, SANDBOX_WEBHOOK_SECRET, SANDBOX_SECRET_KEY):
        assert not [path for path in shipped if secret in path.read_text(errors="ignore")]
