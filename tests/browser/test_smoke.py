import httpx
from playwright.sync_api import ConsoleMessage, Page, Response, expect

from kombo_portal.pages.integrations import INTEGRATIONS_PATH


def record_problems(page: Page) -> list[str]:
    """Console errors, uncaught exceptions and failed responses seen by the page."""
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(message.text)

    def on_response(response: Response) -> None:
        if response.status >= 400:
            problems.append(f"{response.status} {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("response", on_response)
    return problems


def test_the_integrations_page_loads_with_no_console_errors(running_app, page: Page):
    problems = record_problems(page)

    page.goto(f"{running_app.url}/")

    expect(page).to_have_url(f"{running_app.url}{INTEGRATIONS_PATH}")
    expect(page.get_by_role("heading", name="Integrations", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="HRIS")).to_be_visible()
    expect(page.get_by_role("heading", name="ATS")).to_be_visible()
    # Reflex shows this banner when its websocket cannot reach the backend.
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("Cannot connect to server")).to_have_count(0)
    assert problems == []


def test_the_running_app_answers_its_health_check(running_app):
    response = httpx.get(f"{running_app.url}/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
