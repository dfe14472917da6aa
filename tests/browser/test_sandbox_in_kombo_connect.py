"""The sandbox's flow page inside the real `@kombo-api/connect` library, in Chromium:
the library must resolve with an activation token on success and reject with
KomboConnectCancelledError on close, exactly as with Kombo's own page."""

import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from harness.kombo_connect_package import kombo_connect_umd
from harness.sandbox_server import sandbox_server
from tests.support.static_page import static_site
from tests.support.webhook_receiver import webhook_receiver

HOST_PAGE = b"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Host</title>
<script src="/kombo-connect.js"></script></head>
<body>
<input id="link" aria-label="Link">
<button id="open" onclick="open_flow()">Open</button>
<output id="result"></output>
<script>
function show(text) { document.getElementById("result").textContent = text; }
function open_flow() {
  KomboConnect.showKomboConnect(document.getElementById("link").value)
    .then(function (token) { show("token:" + token); })
    .catch(function (error) { show("error:" + error.name); });
}
</script>
</body></html>
"""


@pytest.fixture(scope="module")
def standalone(tmp_path_factory):
    with (
        webhook_receiver() as receiver,
        sandbox_server(tmp_path_factory.mktemp("sandbox"), receiver.url) as server,
    ):
        yield server


@pytest.fixture(scope="module")
def host_page():
    files = {
        "/": ("text/html", HOST_PAGE),
        "/kombo-connect.js": ("text/javascript", kombo_connect_umd().read_bytes()),
    }
    with static_site(files) as url:
        yield url


def new_link(standalone, **fields) -> str:
    response = httpx.post(
        f"{standalone.api_url}/connect/create-link",
        headers={"Authorization": f"Bearer {standalone.api_key}"},
        json={"end_user_email": "admin@acme.test", "end_user_organization_name": "Acme", **fields},
    )
    response.raise_for_status()
    return response.json()["data"]["link"]


def open_flow(page: Page, host_page: str, link: str):
    page.goto(host_page)
    page.get_by_label("Link").fill(link)
    page.get_by_role("button", name="Open").click()
    return page.frame_locator("iframe")


def test_success_resolves_with_an_activation_token_the_backend_can_exchange(
    page, host_page, standalone
):
    flow = open_flow(page, host_page, new_link(standalone))

    flow.get_by_role("button", name="BambooHR").click()
    flow.get_by_label("Username").fill("hr-admin")
    flow.get_by_label("Password").fill("s3cret")
    flow.get_by_role("button", name="Connect").click()

    expect(page.locator("#result")).to_have_text(re.compile(r"^token:[A-Za-z0-9]+$"))
    token = page.locator("#result").inner_text().removeprefix("token:")
    assert token
    expect(page.locator("iframe")).to_have_count(0)
    exchanged = httpx.get(
        f"{standalone.api_url}/connect/integration-by-token/{token}",
        headers={"Authorization": f"Bearer {standalone.api_key}"},
    )
    assert exchanged.json()["data"]["tool"] == "bamboohr"


def test_close_rejects_with_kombos_cancelled_error(page, host_page, standalone):
    flow = open_flow(page, host_page, new_link(standalone, integration_tool="personio"))

    flow.get_by_role("button", name="Close").click()

    expect(page.locator("#result")).to_have_text("error:KomboConnectCancelledError")
    expect(page.locator("iframe")).to_have_count(0)


def test_rejected_credentials_keep_the_flow_open_for_another_try(page, host_page, standalone):
    flow = open_flow(page, host_page, new_link(standalone, integration_tool="personio"))

    flow.get_by_label("Username").fill("hr-admin")
    flow.get_by_label("Password").fill("fail")
    flow.get_by_role("button", name="Connect").click()

    expect(flow.get_by_role("alert")).to_contain_text("Personio rejected these credentials")
    expect(page.locator("#result")).to_have_text("")
    flow.get_by_label("Password").fill("right-this-time")
    flow.get_by_role("button", name="Connect").click()
    expect(page.locator("#result")).to_have_text(re.compile(r"^token:[A-Za-z0-9]+$"))


def test_an_expired_or_unknown_link_can_be_closed(page, host_page, standalone):
    flow = open_flow(page, host_page, f"{standalone.url}/connect?token=unknown")

    expect(flow.get_by_role("heading")).to_have_text("This link is not valid. Ask for a new one.")
    flow.get_by_role("button", name="Close").click()

    expect(page.locator("#result")).to_have_text("error:KomboConnectCancelledError")


def test_a_close_button_works_from_the_moment_it_is_shown(page, host_page, standalone):
    held_scripts = []
    page.route("**/assets/flow.js", lambda route: held_scripts.append(route))
    flow = open_flow(page, host_page, new_link(standalone, integration_tool="personio"))
    while not held_scripts:
        page.wait_for_timeout(20)
    page.wait_for_timeout(300)  # the page shows whatever it can without its script

    # A user clicks Close as soon as they see it, script or no script.
    close = flow.get_by_role("button", name="Close")
    clicked_early = close.count() > 0
    if clicked_early:
        close.click()
    held_scripts[0].continue_()
    if not clicked_early:
        close.click()

    expect(page.locator("#result")).to_have_text("error:KomboConnectCancelledError")
    expect(page.locator("iframe")).to_have_count(0)
