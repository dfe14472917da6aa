"""Crash safety of Kombo's webhooks: a burst of events from the sandbox while the
production server is killed (SIGKILL to its whole process group, as the OOM killer
or a lost machine would) and started again, twice. With the sandbox's retries,
every event ends in the portal's inbox once and is applied once.

The sandbox runs as a process of its own and sends every webhook twice under the
same event id, so deduplication is exercised across the crashes too. The portal
is the production start command (`python -m kombo_portal serve`) in real mode: a
Kombo key, the sandbox as its Kombo, on PostgreSQL when TEST_POSTGRES_URL is set
(CI), else SQLite. What happened is written to test-results/webhook-crash-safety.md.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, func
from sqlmodel import select

from harness.app_server import RunningApp, free_port, start_app, web_workdir_for
from harness.postgres import postgres_schema_url
from harness.sandbox_server import SandboxServer, sandbox_server
from kombo_portal.db.engine import create_database_engine
from kombo_portal.db.models import Integration, WebhookEvent
from kombo_portal.db.transaction import reading, transaction
from kombo_portal.records.accounts import create_organisation
from kombo_portal.sandbox.delivery import MAX_ATTEMPTS
from kombo_portal.sandbox.models import SandboxIntegration, SandboxWebhookDelivery

TEST_POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "").strip()
RESULTS = Path(__file__).resolve().parents[2] / "test-results"

INTEGRATIONS = 20
# Each round changes every integration's state once and announces new data once.
ROUNDS = 10
EVENTS = INTEGRATIONS + INTEGRATIONS * ROUNDS * 2
DELIVERIES = 2 * EVENTS  # the sandbox sends each event twice
# Never ACTIVE first (integrations start ACTIVE), and never the same state twice in a
# row, so every change is a webhook.
STATE_CYCLE = ("INVALID", "INACTIVE", "ACTIVE")
HRIS_TOOLS = ("personio", "bamboohr", "hibob", "workday", "factorial")
# The server is killed once this share of all deliveries has landed: while the
# sandbox is busy sending, usually with a request in flight (the report counts the
# requests cut).
KILL_AFTER = (0.2, 0.55)
DOWN_SECONDS = 1.0
# The sandbox waits 1, 2, 4 s, then this long between tries (60 s by default): a
# retry soon after a restart, which takes 10-20 s, and still 15 tries over a minute.
MAX_RETRY_WAIT_SECONDS = 5
DELIVERED_WITHIN_SECONDS = 120
OUTCOME_LINE = re.compile(r"Webhook (\S+) \(([\w.-]+)\): (\w+)\s*$")
FAILED_TRY_LINE = re.compile(r"Sandbox webhook \S+ to \S+ failed \((\w+)")

pytestmark = pytest.mark.slow


@dataclass
class Report:
    started: float = field(default_factory=time.monotonic)
    lines: list[str] = field(default_factory=list)

    def note(self, what: str) -> None:
        self.lines.append(f"| {time.monotonic() - self.started:6.1f} s | {what} |")

    def write(self) -> None:
        RESULTS.mkdir(exist_ok=True)
        rows = "\n".join(self.lines)
        (RESULTS / "webhook-crash-safety.md").write_text(f"| time | what |\n|---|---|\n{rows}\n")


@pytest.fixture
def portal_database_url(tmp_path: Path) -> Iterator[str]:
    if not TEST_POSTGRES_URL:
        yield f"sqlite:///{tmp_path / 'portal.db'}"
        return
    with postgres_schema_url(TEST_POSTGRES_URL) as url:
        yield url


@pytest.fixture
def portal_and_kombo(
    tmp_path: Path, portal_database_url: str
) -> Iterator[tuple[RunningApp, SandboxServer]]:
    port = free_port()  # fixed before either starts: the sandbox needs the webhook URL
    with sandbox_server(
        tmp_path,
        f"http://127.0.0.1:{port}/webhooks/kombo",
        api_key=f"ks_prod_crash_{secrets.token_hex(8)}",
        webhook_secret=f"whsec_crash_{secrets.token_hex(16)}",
        send_webhooks_twice=True,
        max_retry_wait=MAX_RETRY_WAIT_SECONDS,
    ) as kombo:
        app = start_app(
            tmp_path,
            {
                "KOMBO_API_KEY": kombo.api_key,
                "KOMBO_API_BASE_URL": kombo.api_url,
                "KOMBO_WEBHOOK_SECRET": kombo.webhook_secret,
                "KOMBO_CONNECT_ORIGINS": kombo.url,
                "PORTAL_SECRET_KEY": secrets.token_urlsafe(48),
                # Plain HTTP on loopback in this test.
                "PORTAL_COOKIE_SECURE": "0",
                "PORTAL_DEMO": "",
                "REFLEX_DB_URL": portal_database_url,
            },
            port=port,
            web_workdir=web_workdir_for("crash"),
        )
        try:
            yield app, kombo
        finally:
            app.stop()


def crash(app: RunningApp) -> None:
    """Every process of the server at once, with no chance to finish anything."""
    os.killpg(app.process.pid, signal.SIGKILL)
    app.process.wait(timeout=10)


def landed(outbox: Engine) -> int:
    with reading(outbox) as session:
        return session.exec(
            select(func.count())
            .select_from(SandboxWebhookDelivery)
            .where(SandboxWebhookDelivery.delivered_at.is_not(None))  # type: ignore[union-attr]
        ).one()


def wait_until_landed(outbox: Engine, count: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while landed(outbox) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"only {landed(outbox)} of {count} deliveries landed")
        time.sleep(0.02)


def all_deliveries(outbox: Engine) -> list[SandboxWebhookDelivery]:
    with reading(outbox) as session:
        return list(session.exec(select(SandboxWebhookDelivery)))


def wait_until_all_delivered(outbox: Engine, timeout: float) -> list[SandboxWebhookDelivery]:
    deadline = time.monotonic() + timeout
    while True:
        deliveries = all_deliveries(outbox)
        pending = [d for d in deliveries if d.delivered_at is None]
        if len(deliveries) == DELIVERIES and not pending:
            return deliveries
        given_up = [d for d in pending if d.attempts >= MAX_ATTEMPTS]
        if given_up or time.monotonic() > deadline:
            sample = [(d.event_type, d.attempts, d.last_status, d.last_error) for d in pending[:5]]
            raise AssertionError(
                f"{len(pending)} of {len(deliveries)} deliveries not delivered "
                f"({len(given_up)} given up): {sample}"
            )
        time.sleep(0.2)


def connect_integrations(kombo: SandboxServer, portal: Engine) -> list[str]:
    """INTEGRATIONS connections through the sandbox's flow, each for an organisation
    of its own in the portal; returns Kombo's integration ids."""
    with transaction(portal) as session:
        organisations = [
            create_organisation(session, f"Crash Org {index} {secrets.token_hex(4)}").id
            for index in range(INTEGRATIONS)
        ]
    integration_ids = []
    headers = {"Authorization": f"Bearer {kombo.api_key}"}
    api = httpx.Client(base_url=kombo.api_url, headers=headers, timeout=10)
    with api, kombo.control() as control:
        for index, organisation_id in enumerate(organisations):
            link = api.post(
                "/connect/create-link",
                json={
                    "end_user_email": f"admin-{index}@example.test",
                    "end_user_organization_name": f"Crash Org {index}",
                    "end_user_origin_id": organisation_id,
                    "integration_category": "HRIS",
                },
            )
            link.raise_for_status()
            done = control.post(
                "/flow/complete",
                json={
                    "link": link.json()["data"]["link"],
                    "tool": HRIS_TOOLS[index % len(HRIS_TOOLS)],
                },
            )
            done.raise_for_status()
            integration_ids.append(done.json()["data"]["integration_id"])
    return integration_ids


def send_burst(kombo: SandboxServer, integration_ids: list[str], errors: list[str]) -> None:
    """ROUNDS of state changes and data announcements, every integration in turn."""
    try:
        with kombo.control() as control:
            for round_ in range(ROUNDS):
                for index, integration_id in enumerate(integration_ids):
                    state = STATE_CYCLE[(round_ + index % 2) % len(STATE_CYCLE)]
                    path = f"/integrations/{integration_id}"
                    control.post(f"{path}/state", json={"state": state}).raise_for_status()
                    control.post(
                        f"{path}/data-changed", json={"models": ["hris_employees"]}
                    ).raise_for_status()
    except Exception as error:  # reported by the test, which joins this thread
        errors.append(repr(error))


def answered_outcomes(app: RunningApp) -> dict[str, Counter[str]]:
    """Per event id, the outcomes the portal logged before answering (all starts)."""
    outcomes: dict[str, Counter[str]] = {}
    for line in app.log_path.read_text(errors="replace").splitlines():
        if "kombo_portal.api.webhooks" in line and (match := OUTCOME_LINE.search(line)):
            outcomes.setdefault(match.group(1), Counter())[match.group(3)] += 1
    return outcomes


def failed_tries(kombo_log: Path) -> Counter[str]:
    """The sandbox's failed tries by what went wrong: the server was down (refused),
    the connection broke while a request was in flight (cut), or an HTTP status."""
    kinds: Counter[str] = Counter()
    for line in kombo_log.read_text(errors="replace").splitlines():
        if match := FAILED_TRY_LINE.search(line):
            reason = match.group(1)
            kinds[
                f"answered {reason}"
                if reason.isdigit()
                else "refused"
                if reason.startswith("ConnectError")
                else "cut"
            ] += 1
    return kinds


def test_a_burst_through_two_crashes_is_applied_exactly_once(
    portal_and_kombo: tuple[RunningApp, SandboxServer], portal_database_url: str
):
    app, kombo = portal_and_kombo
    report = Report()
    database = "PostgreSQL" if TEST_POSTGRES_URL else "SQLite"
    report.note(f"portal serving on :{app.port} ({database}); sandbox sends each webhook twice")
    outbox = create_database_engine(kombo.database_url)
    portal = create_database_engine(portal_database_url)
    try:
        integration_ids = connect_integrations(kombo, portal)
        # Connected before the burst: news about an integration the portal does not
        # know yet is stored and flagged (data) or waits (state), by design.
        wait_until_landed(outbox, 2 * INTEGRATIONS, timeout=60)
        report.note(f"{INTEGRATIONS} integrations connected, integration-created delivered")

        errors: list[str] = []
        burst = threading.Thread(target=send_burst, args=(kombo, integration_ids, errors))
        burst.start()
        report.note(f"burst started: {EVENTS - INTEGRATIONS} more events")
        kills = 0
        for share in KILL_AFTER:
            wait_until_landed(outbox, int(DELIVERIES * share), timeout=90)
            crash(app)
            kills += 1
            report.note(f"SIGKILL to the server's process group at {landed(outbox)} landed")
            time.sleep(DOWN_SECONDS)
            app.restart()
            report.note(f"server started again ({landed(outbox)} landed)")
        burst.join(timeout=120)
        assert not burst.is_alive(), "the burst did not finish"
        assert errors == []
        deliveries = wait_until_all_delivered(outbox, DELIVERED_WITHIN_SECONDS)
        report.note(f"all {len(deliveries)} deliveries answered 2xx")

        with reading(outbox) as session:
            at_kombo = {row.id: row for row in session.exec(select(SandboxIntegration))}
        with reading(portal) as session:
            inbox = list(session.exec(select(WebhookEvent)))
            records = {
                row.kombo_integration_id: row
                for row in session.exec(select(Integration))
                if row.kombo_integration_id in at_kombo
            }
    finally:
        outbox.dispose()
        portal.dispose()

    sent = {delivery.event_id for delivery in deliveries}
    retried = [delivery for delivery in deliveries if delivery.attempts > 1]
    stored = Counter(row.id for row in inbox)
    lost = sent - set(stored)
    unapplied = [row.id for row in inbox if row.applied_at is None or row.flag is not None]
    # The inbox's key allows one row per event however often it was applied; the
    # portal's log of each answer shows how often.
    outcomes = answered_outcomes(app)
    applied = Counter({event_id: outcomes.get(event_id, Counter())["applied"] for event_id in sent})
    applied_twice = {event_id for event_id, times in applied.items() if times > 1}
    # Stored and applied, but killed before the answer: a retry found it done.
    answer_lost = {event_id for event_id, times in applied.items() if times == 0}
    failures = failed_tries(kombo.log_path)
    report.note(
        f"{len(sent)} events sent ({len(deliveries)} deliveries), {kills} kills, "
        f"{len(retried)} deliveries retried (most attempts: "
        f"{max(delivery.attempts for delivery in deliveries)}; failed tries: "
        f"{', '.join(f'{count} {kind}' for kind, count in failures.most_common())}), "
        f"{len(lost)} lost, {len(applied_twice)} applied twice, "
        f"{len(answer_lost)} applied without an answer logged"
    )
    report.write()

    assert len(sent) == EVENTS
    # The crashes hit deliveries: otherwise this test would prove nothing.
    assert retried, "no delivery needed a retry: the server was not killed mid-burst"
    assert lost == set(), f"{len(lost)} events never reached the inbox"
    assert set(stored) == sent, "the inbox holds events the sandbox never sent"
    assert max(stored.values()) == 1
    assert unapplied == [], f"{len(unapplied)} events stored but not applied"
    assert applied_twice == set(), f"{len(applied_twice)} events applied more than once"
    # The effects are the last news, whatever order the retries brought it in.
    assert set(records) == set(at_kombo)
    for integration_id, integration in at_kombo.items():
        record = records[integration_id]
        assert (record.state, record.setup_status) == (
            integration.state,
            integration.setup_status,
        ), integration_id
        assert record.last_data_activity_at is not None
