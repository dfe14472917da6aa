"""Security headers on the running production build, and a page that lives within them."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Page, Response, expect

from harness.app_server import RunningApp
from kombo_portal.paths import INTEGRATIONS_PATH
from tests.browser.portal import connect_through_the_flow, new_organisation, sign_in

REPORTER = """
window.__policyViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__policyViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


def policy_of(response: httpx.Response | Response) -> dict[str, str]:
    headers = response.headers
    policy = headers["content-security-policy"]
    parts = (part.strip().split(" ", 1) for part in policy.split(";"))
    return {part[0]: part[1] if len(part) > 1 else "" for part in parts}


def test_pages_assets_and_routes_all_carry_the_security_headers(running_app: RunningApp):
    page = httpx.get(f"{running_app.url}{INTEGRATIONS_PATH}/")
    assert page.status_code == 200
    asset_path = re.search(r'"(/assets/[^"]+\.js)"', page.text).group(1)
    responses = {
        "page": page,
        "asset": httpx.get(f"{running_app.url}{asset_path}"),
        "health": httpx.get(f"{running_app.url}/healthz"),
        "unsigned webhook": httpx.post(f"{running_app.url}/webhooks/kombo", content=b"{}"),
        "unknown path": httpx.get(f"{running_app.url}/no/such/page"),
    }

    for name, response in responses.items():
        policy = policy_of(response)
        assert policy["frame-ancestors"] == "'self'", name
        # This origin (under the backend URL's name too, for the sandbox) and Kombo's.
        assert set(policy["frame-src"].split()) == {
            "'self'",
            f"http://localhost:{running_app.url.rsplit(':', 1)[1]}",
            "https://connect.kombo.dev",
        }, name
        assert "'unsafe-eval'" not in policy["script-src"], name
        assert "'unsafe-inline'" not in policy["script-src"], name
        assert response.headers["x-content-type-options"] == "nosniff", name
        assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin", name
        # Sandbox mode is served over plain HTTP: no HSTS, no Secure cookies.
        assert "strict-transport-security" not in response.headers, name
    assert responses["unsigned webhook"].status_code == 401


def test_sign_in_connect_and_sign_out_break_no_policy(running_app: RunningApp, page: Page):
    account = new_organisation(running_app)
    page.add_init_script(REPORTER)
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    documents: list[Response] = []
    page.on(
        "response", lambda r: documents.append(r) if r.request.resource_type == "document" else None
    )

    sign_in(page, running_app, account.email)
    connect_through_the_flow(page, "HRIS", "Personio")
    expect(page.get_by_text("Personio", exact=True)).to_be_visible()
    violations_before_leaving = page.evaluate("window.__policyViolations")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()

    # A reload finds the sign-out order already carried out, and does not follow it again.
    after_reload: list[str] = []
    page.on("request", lambda request: after_reload.append(request.url))
    page.reload()
    expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_enabled()
    page.wait_for_timeout(1000)
    assert [url for url in after_reload if "/auth/" in url] == []

    assert violations_before_leaving == []
    assert page.evaluate("window.__policyViolations") == []
    assert refused == []
    flow_pages = [r for r in documents if "/sandbox/kombo/connect" in r.url]
    assert flow_pages, "the flow page was loaded in its frame"
    # Kombo's flow page may be framed by any customer app: so may the sandbox's.
    assert "frame-ancestors" not in policy_of(flow_pages[0])
