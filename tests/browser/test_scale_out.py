"""Scale-out: two instances of the production app (separate processes and ports, two
workers each) sharing PostgreSQL for data and Redis for Reflex's state, with no
sticky sessions.

A browser signs in on instance A and connects there; the sandbox delivers its
webhooks to instance B. The result is one integration record, news that only B
received shows on A's open page, and restarting A keeps the browser signed in
and its page live. The timeline of what landed where is written to
test-results/scale-out-timeline.md.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import redis
from playwright.sync_api import Page, expect
from sqlalchemy import func
from sqlmodel import Session, select

from harness.app_server import RunningApp, free_port, start_app, web_workdir_for
from harness.postgres import postgres_schema_url
from kombo_portal.config import DEFAULT_SANDBOX_API_KEY
from kombo_portal.db.engine import create_database_engine
from kombo_portal.db.models import Integration, Organisation, WebhookEvent
from tests.browser.conftest import ARTIFACTS
from tests.browser.portal import connect_through_the_flow, new_organisation, sign_in

TEST_POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "").strip()
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "").strip()

pytestmark = pytest.mark.skipif(
    not (TEST_POSTGRES_URL and TEST_REDIS_URL),
    reason="needs TEST_POSTGRES_URL and TEST_REDIS_URL (CI sets both)",
)


@dataclass
class Timeline:
    started: float = field(default_factory=time.monotonic)
    entries: list[str] = field(default_factory=list)

    def note(self, where: str, what: str) -> None:
        self.entries.append(f"| {time.monotonic() - self.started:7.1f} s | {where} | {what} |")

    def write(self, path: Path) -> None:
        path.parent.mkdir(exist_ok=True)
        rows = "\n".join(self.entries)
        path.write_text(f"| time | where | what |\n|---|---|---|\n{rows}\n")


@dataclass
class Cluster:
    a: RunningApp
    b: RunningApp
    database_url: str


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    port_b = free_port()
    with postgres_schema_url(TEST_POSTGRES_URL) as database_url:
        shared = {
            "REFLEX_DB_URL": database_url,
            "REFLEX_REDIS_URL": TEST_REDIS_URL,
            "GRANIAN_WORKERS": "2",
            # Whichever instance's sandbox sends a webhook, it goes to B.
            "KOMBO_SANDBOX_WEBHOOK_URL": f"http://127.0.0.1:{port_b}/webhooks/kombo",
        }
        a = start_app(
            tmp_path_factory.mktemp("instance-a"),
            shared,
            web_workdir=web_workdir_for("a"),
        )
        try:
            b = start_app(
                tmp_path_factory.mktemp("instance-b"),
                shared,
                port=port_b,
                web_workdir=web_workdir_for("b"),
            )
            try:
                yield Cluster(a=a, b=b, database_url=database_url)
            finally:
                b.stop()
        finally:
            a.stop()


def integrations_of(database_url: str, organisation_name: str) -> list[Integration]:
    engine = create_database_engine(database_url)
    try:
        with Session(engine) as session:
            organisation = session.exec(
                select(Organisation).where(Organisation.name == organisation_name)
            ).one()
            return list(
                session.exec(
                    select(Integration).where(Integration.organisation_id == organisation.id)
                )
            )
    finally:
        engine.dispose()


def webhook_events_about(database_url: str, kombo_integration_id: str) -> int:
    engine = create_database_engine(database_url)
    try:
        with Session(engine) as session:
            statement = select(func.count()).select_from(WebhookEvent)
            return session.exec(
                statement.where(WebhookEvent.kombo_integration_id == kombo_integration_id)
            ).one()
    finally:
        engine.dispose()


def deliveries(app: RunningApp) -> list[dict]:
    response = httpx.get(
        f"{app.url}/sandbox/kombo/control/webhooks",
        headers={"Authorization": f"Bearer {DEFAULT_SANDBOX_API_KEY}"},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()["data"]["deliveries"]


def wait_for_delivery(app: RunningApp, event_type: str, about: str) -> dict:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for delivery in deliveries(app):
            body = delivery["body"]
            if delivery["type"] == event_type and about in str(body) and delivery["delivered_at"]:
                return delivery
        time.sleep(0.3)
    raise AssertionError(f"no delivered {event_type} about {about}: {deliveries(app)}")


def set_state_at_kombo(app: RunningApp, kombo_id: str, state: str) -> None:
    response = httpx.post(
        f"{app.url}/sandbox/kombo/control/integrations/{kombo_id}/state",
        headers={"Authorization": f"Bearer {DEFAULT_SANDBOX_API_KEY}"},
        json={"state": state},
        timeout=10,
    )
    response.raise_for_status()


def page_state_in_redis(page: Page) -> list[bytes]:
    """What Redis holds of this tab's page state (Reflex keys it by the tab's token)."""
    token = page.evaluate("window.sessionStorage.getItem('token')")
    assert token, "Reflex keeps the tab's token in session storage"
    client = redis.Redis.from_url(TEST_REDIS_URL)
    try:
        return [client.get(key) or b"" for key in client.scan_iter(f"{token}*")]
    finally:
        client.close()


def test_two_instances_share_one_record_and_a_live_page(cluster: Cluster, page: Page):
    timeline = Timeline()
    try:
        run_the_scenario(cluster, page, timeline)
    finally:
        timeline.write(ARTIFACTS / "scale-out-timeline.md")
        print("\n".join(timeline.entries))


def run_the_scenario(cluster: Cluster, page: Page, timeline: Timeline) -> None:
    a, b = cluster.a, cluster.b
    timeline.note("both", f"A on :{a.port}, B on :{b.port}, 2 workers each, PostgreSQL + Redis")
    account = new_organisation(a)

    sign_in(page, a, account.email)
    timeline.note("A", "browser signed in")
    connect_through_the_flow(page, "HRIS", "Personio")
    card = page.locator('[data-category="HRIS"]')
    expect(page.get_by_text("Personio", exact=True)).to_be_visible()
    timeline.note("A", "flow finished; activation token exchanged, card shows Personio")

    [integration] = integrations_of(cluster.database_url, account.organisation)
    kombo_id = integration.kombo_integration_id
    created = wait_for_delivery(a, "integration-created", kombo_id)
    timeline.note(
        "B",
        f"integration-created delivered to {created['target_url']} "
        f"(answer {created['last_status']}, attempts {created['attempts']})",
    )
    assert created["target_url"] == f"{b.url}/webhooks/kombo"
    assert created["last_status"] == 200
    # The token on A and the webhook on B described one integration: one record.
    assert len(integrations_of(cluster.database_url, account.organisation)) == 1
    timeline.note("DB", "one integration record for the organisation")
    # Kombo's news (taken by B) is in A's open page's activity log.
    expect(page.get_by_text("Personio was connected")).to_be_visible()
    timeline.note("A", "open page shows B's news: 'Personio was connected' (by Kombo)")

    set_state_at_kombo(a, kombo_id, "INVALID")
    changed = wait_for_delivery(a, "integration-state-changed", "INVALID")
    assert changed["target_url"] == f"{b.url}/webhooks/kombo"
    timeline.note("B", "integration-state-changed INVALID delivered")
    expect(card.get_by_text("Needs reconnection")).to_be_visible(timeout=5000)
    timeline.note("A", "open page shows 'Needs reconnection' without a reload")

    # The page's state lives in Redis, not in A's memory: it outlives A's process.
    assert any(account.organisation.encode() in value for value in page_state_in_redis(page))
    a.restart()
    timeline.note("A", "restarted (new process; the browser page stayed open)")
    assert any(account.organisation.encode() in value for value in page_state_in_redis(page))
    timeline.note("Redis", "the tab's page state is still there, under the tab's token")
    set_state_at_kombo(b, kombo_id, "ACTIVE")
    wait_for_delivery(b, "integration-state-changed", "ACTIVE")
    timeline.note("B", "integration-state-changed ACTIVE delivered")
    expect(card.get_by_text("Active", exact=True)).to_be_visible(timeout=30_000)
    expect(card.get_by_text("Needs reconnection")).to_have_count(0)
    timeline.note("A", "the same open page reconnected to the new A and shows Active")
    page.reload()
    expect(page.get_by_role("heading", name="Integrations", level=1)).to_be_visible()
    assert "/sign-in" not in page.url
    expect(card.get_by_text("Personio", exact=True)).to_be_visible()
    timeline.note("A", "after a reload the browser is still signed in")

    assert len(integrations_of(cluster.database_url, account.organisation)) == 1
    assert webhook_events_about(cluster.database_url, kombo_id) >= 3


def socket_frames(page: Page) -> dict[str, list[str]]:
    """The Socket.IO events the page sends and receives ("42..." frames; engine.io's
    pings and pongs left out), recorded from now on."""
    frames: dict[str, list[str]] = {"sent": [], "received": []}

    def watch(socket) -> None:
        for direction in ("sent", "received"):
            socket.on(
                f"frame{direction}",
                lambda payload, d=direction: (
                    str(payload).startswith("42") and frames[d].append(str(payload))
                ),
            )

    page.on("websocket", watch)
    return frames


def test_changes_are_pushed_to_every_page_of_the_organisation_on_either_instance(
    cluster: Cluster, browser
):
    a, b = cluster.a, cluster.b
    account, other = new_organisation(a), new_organisation(b)
    pages = [browser.new_context().new_page() for _ in range(3)]
    on_a, on_b, other_page = pages
    frames = [socket_frames(page) for page in pages]
    sign_in(on_a, a, account.email)
    sign_in(on_b, b, account.email)
    sign_in(other_page, b, other.email)
    card_a, card_b = (page.locator('[data-category="HRIS"]') for page in (on_a, on_b))

    # An admin's action on A's page shows on B's.
    connect_through_the_flow(on_a, "HRIS", "Personio")
    expect(card_a.get_by_text("Active", exact=True)).to_be_visible()
    expect(card_b.get_by_text("Active", exact=True)).to_be_visible(timeout=1_000)

    # A webhook taken by B shows on both.
    [integration] = integrations_of(cluster.database_url, account.organisation)
    seen_by_other = len(frames[2]["received"])
    set_state_at_kombo(a, integration.kombo_integration_id, "INVALID")
    wait_for_delivery(a, "integration-state-changed", "INVALID")
    for card in (card_a, card_b):
        expect(card.get_by_text("Needs reconnection")).to_be_visible(timeout=1_000)

    # An admin's action on B's page shows on A's.
    card_b.get_by_role("button", name="Disable").click()
    expect(card_a.get_by_text("Disabled")).to_be_visible(timeout=1_000)

    # Nothing of it reached the other organisation's page.
    assert len(frames[2]["received"]) == seen_by_other
    expect(other_page.get_by_text("Personio")).to_have_count(0)

    # Idle pages send nothing at all.
    sent_before = [len(f["sent"]) for f in frames]
    time.sleep(30)
    assert [len(f["sent"]) for f in frames] == sent_before
    for page in pages:
        page.context.close()
