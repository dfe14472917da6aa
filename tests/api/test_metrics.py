"""`GET /metrics`: off (404) unless a token is set, 401 without it, and with it the
webhooks, Kombo calls, connect attempts and open pages the portal counted."""

import json
import os
import subprocess
import sys
import textwrap

import httpx
import pytest
import respx
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from kombo_portal import metrics
from kombo_portal.api import create_backend_api
from kombo_portal.config import Settings, SettingsError, production_problems
from kombo_portal.db.models import ConnectAttempt, utc_now
from kombo_portal.db.transaction import transaction
from kombo_portal.kombo import KomboClient, KomboError
from kombo_portal.kombo.signature import sign_webhook
from kombo_portal.records.accounts import create_organisation
from kombo_portal.records.attempts import close_open_attempt
from kombo_portal.state.live import LocalTabs
from tests.api.test_webhooks import created

SECRET = "whsec_current"
TOKEN = "metrics-token-" + "x1y2z3" * 6
BASE = "https://api.test.kombo.dev/v1"
API_KEY = "ks_dev_secret_key_never_logged"
ACTIVATION_TOKEN = "act_tok_never_in_a_label"
INTEGRATION_ID = "personio:CBNMt7dSNCzBdnRTx87dev4E"


@pytest.fixture
def acme(engine) -> str:
    with transaction(engine) as session:
        return create_organisation(session, "Acme Inc.").id


def app(engine, token: str | None = TOKEN) -> TestClient:
    return TestClient(
        create_backend_api(
            lambda: engine, get_webhook_secrets=lambda: (SECRET,), get_metrics_token=lambda: token
        )
    )


def scrape(client: TestClient) -> dict[tuple[str, frozenset], float]:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def post_webhook(client, body: bytes, signature: str | None):
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-Kombo-Signature"] = signature
    return client.post("/webhooks/kombo", content=body, headers=headers)


def test_metrics_are_absent_without_a_token(engine):
    assert app(engine, token=None).get("/metrics").status_code == 404


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-token", f"Basic {TOKEN}", f"Bearer {TOKEN}x", "Bearer"],
)
def test_metrics_refuse_a_missing_or_wrong_token(engine, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    response = app(engine).get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.content == b""


def test_webhooks_are_counted_by_type_and_outcome(engine, acme):
    client = app(engine)
    before = scrape(client)
    event = created("evt_metrics_1", acme)
    assert post_webhook(client, event, sign_webhook(SECRET, event)).status_code == 200
    assert post_webhook(client, event, sign_webhook(SECRET, event)).status_code == 200
    assert post_webhook(client, event, sign_webhook("whsec_wrong", event)).status_code == 401
    bad = b"not json"
    assert post_webhook(client, bad, sign_webhook(SECRET, bad)).status_code == 400

    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.headers["content-type"] == metrics.CONTENT_TYPE
    after = scrape(client)

    def grew(**labels: str) -> float:
        name = "kombo_portal_webhooks_total"
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew(type="unknown", outcome="refused_signature") == 1
    assert grew(type="unknown", outcome="bad_body") == 1
    assert grew(type="integration-created", outcome="applied") == 1
    assert grew(type="integration-created", outcome="duplicate") == 1


def test_an_unknown_event_type_is_counted_as_other(engine):
    client = app(engine)
    before = scrape(client)
    event = json.dumps({"id": "evt_metrics_2", "type": "made-up-" * 4, "data": {}}).encode()
    post_webhook(client, event, sign_webhook(SECRET, event))
    after = scrape(client)
    types = {dict(labels).get("type") for (name, labels) in after if "webhooks" in name}
    assert "made-up-" * 4 not in types
    grown = sum(
        value(after, name, **dict(labels)) - value(before, name, **dict(labels))
        for (name, labels) in after
        if name == "kombo_portal_webhooks_total" and dict(labels)["type"] == "other"
    )
    assert grown == 1


async def test_kombo_calls_are_counted_by_endpoint_template_without_ids_or_tokens(engine):
    client = app(engine)
    before = scrape(client)
    with respx.mock(base_url=BASE, assert_all_called=False) as kombo:
        kombo.get(f"/connect/integration-by-token/{ACTIVATION_TOKEN}").mock(
            return_value=httpx.Response(404, json={"status": "error", "error": {}})
        )
        kombo.delete(f"/integrations/{INTEGRATION_ID}").mock(
            return_value=httpx.Response(200, json={"status": "success", "data": {}})
        )
        async with KomboClient(BASE, API_KEY, timeout_seconds=2) as kombo_client:
            with pytest.raises(KomboError):
                await kombo_client.integration_by_token(ACTIVATION_TOKEN)
            await kombo_client.delete_integration(INTEGRATION_ID)
    text = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text
    after = scrape(client)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    exchange = "GET /connect/integration-by-token/{token}"
    assert grew("kombo_portal_kombo_requests_total", endpoint=exchange, status="404") == 1
    delete = "DELETE /integrations/{id}"
    assert grew("kombo_portal_kombo_requests_total", endpoint=delete, status="200") == 1
    assert grew("kombo_portal_kombo_request_duration_seconds_count", endpoint=delete) == 1
    for secret in (ACTIVATION_TOKEN, INTEGRATION_ID, "CBNMt7", API_KEY):
        assert secret not in text


def test_connect_attempts_are_counted_by_action_and_outcome(engine, people):
    admin = people.acme_admin
    client = app(engine)
    before = scrape(client)
    with transaction(engine) as session:
        attempt = ConnectAttempt(
            organisation_id=admin.organisation_id,
            user_id=admin.user_id,
            category="HRIS",
            action="connect",
            outcome="started",
            started_at=utc_now(),
        )
        session.add(attempt)
    with transaction(engine) as session:
        assert close_open_attempt(session, attempt.id, "cancelled", "page reloaded")
    with transaction(engine) as session:
        # Closed already: not counted twice.
        assert not close_open_attempt(session, attempt.id, "connected", "late")
    after = scrape(client)
    name = "kombo_portal_connect_attempts_total"
    labels = {"action": "connect", "outcome": "cancelled"}
    assert value(after, name, **labels) - value(before, name, **labels) == 1
    late = {"action": "connect", "outcome": "connected"}
    assert value(after, name, **late) == value(before, name, **late)


async def test_open_pages_gauge_follows_registered_tabs(engine):
    client = app(engine)
    tabs = LocalTabs()
    start = value(scrape(client), "kombo_portal_open_pages")
    await tabs.add("org_1", "tab_a")
    await tabs.add("org_1", "tab_a")  # the same tab again
    await tabs.add("org_1", "tab_b")
    assert value(scrape(client), "kombo_portal_open_pages") == start + 2
    await tabs.remove("org_1", ["tab_a", "tab_gone"])
    assert value(scrape(client), "kombo_portal_open_pages") == start + 1


def test_several_worker_processes_are_summed_in_one_scrape(tmp_path):
    """As under `serve` with several workers: each process writes its own values, and
    whichever answers the scrape adds them all up."""
    worker = textwrap.dedent(
        """
        from kombo_portal import metrics
        metrics.count_webhook("integration-created", "applied")
        metrics.pages_opened(2)
        """
    )
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for _ in range(2):
        subprocess.run([sys.executable, "-c", worker], env=env, check=True, timeout=60)
    scraper = textwrap.dedent(
        """
        import sys
        from kombo_portal import metrics
        sys.stdout.write(metrics.render().decode())
        """
    )
    text = subprocess.run(
        [sys.executable, "-c", scraper], env=env, check=True, capture_output=True, text=True,
        timeout=60,
    ).stdout  # fmt: skip
    samples = {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    labels = {"type": "integration-created", "outcome": "applied"}
    assert value(samples, "kombo_portal_webhooks_total", **labels) == 2
    assert value(samples, "kombo_portal_open_pages") == 4


def test_a_short_metrics_token_is_refused_and_a_blank_one_means_off():
    with pytest.raises(SettingsError, match=r"^PORTAL_METRICS_TOKEN: must be at least 32"):
        Settings.from_environment({"PORTAL_METRICS_TOKEN": "short"}, env_file=None)
    blank = Settings.from_environment({"PORTAL_METRICS_TOKEN": " "}, env_file=None)
    assert not blank.metrics.enabled
    assert TOKEN not in repr(Settings.from_environment({"PORTAL_METRICS_TOKEN": TOKEN}))


def test_a_guessable_metrics_token_is_a_production_problem():
    production = {
        "KOMBO_API_KEY": "ks_prod_abcdef",
        "KOMBO_WEBHOOK_SECRET": "whsec_9fK2mQ7xL1",
        "PORTAL_SECRET_KEY": "Zq3v8Rk1Wm5Tn0Lp7Hs2Jd9Gf4Xc6Bb1",
    }
    guessable = Settings.from_environment({**production, "PORTAL_METRICS_TOKEN": "ab" * 20})
    assert production_problems(guessable)[0].startswith("PORTAL_METRICS_TOKEN: too easy")
    strong = Settings.from_environment({**production, "PORTAL_METRICS_TOKEN": TOKEN})
    assert production_problems(strong) == []
