"""5. Live updates: a webhook's change reaching every open page of the organisation, and
what an idle page costs the server.

1. Push, one instance: 16 pages of one organisation open (each a websocket client like
   a browser tab, as in the many-users scenario), its HRIS connected. A signed
   `integration-state-changed` webhook flips the integration between ACTIVE and
   INVALID; each page's figure is the time from the webhook sent to the delta that
   changes its card. The baseline is the webhook's own answer (sent -> 200) in the
   same run: a page cannot know of a change before it is committed.
2. Push across two instances: the same on PostgreSQL and Redis, the pages on instance
   A and the webhooks posted to instance B (BENCH_/TEST_POSTGRES_URL and
   BENCH_/TEST_REDIS_URL; without them, no figure and a note).
3. An idle page: a real Chromium page, signed in, left alone for a minute; the
   socket.io events it sends are counted from the browser's websocket frames (the
   transport's pings and pongs are not events).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlmodel import Session, select

from bench.accounts import Admin, create_admins, postgres_base_url
from bench.browser import chromium, sign_in
from bench.many_users import PAGE_PATH, STEP_TIMEOUT_SECONDS, Page, PageEvents, event
from bench.many_users import simulate_user as connect_hris
from bench.many_users_socket import ReflexSocket
from bench.result import Figure, ScenarioResult
from bench.stats import percentile
from harness.app_server import RunningApp, start_app
from harness.postgres import postgres_schema_url
from kombo_portal.config import PROJECT_ROOT, Settings
from kombo_portal.cookies import SESSION_COOKIE
from kombo_portal.db.engine import create_database_engine
from kombo_portal.db.models import Integration, User
from kombo_portal.kombo.signature import SIGNATURE_HEADER, sign_webhook

PAGES = 16
CHANGES, QUICK_CHANGES = 30, 5
IDLE_SECONDS, QUICK_IDLE_SECONDS = 60.0, 10.0
CATEGORY = "HRIS"
PASSWORD = "live-updates-bench-password"  # noqa: S105
WEBHOOK_PATH = "/webhooks/kombo"
WEB_WORKDIRS = (".web-bench-live-a", ".web-bench-live-b")
ONE_INSTANCE_TARGET_MS, TWO_INSTANCES_TARGET_MS = 100.0, 200.0
# A socket.io EVENT packet on Reflex's namespace, as the page's client sends it.
EVENT_FRAME_PREFIX = "42/_event,"


@dataclass
class PushRun:
    answered_ms: list[float]  # per webhook: sent -> 200
    seen_ms: list[float]  # per page and webhook: sent -> the page's card changed
    before_answer: int  # page deltas that arrived before the webhook's answer


def redis_url() -> str | None:
    for variable in ("BENCH_REDIS_URL", "TEST_REDIS_URL"):
        if value := os.environ.get(variable, "").strip():
            return value
    return None


def card_state(page: Page) -> str:
    cards = page.get("cards") or []
    return next((str(c.get("status_text")) for c in cards if c.get("category") == CATEGORY), "")


async def open_page(app_url: str, admin: Admin, events: PageEvents) -> Page:
    hydrate = event(events.hydrate, {"hashes": events.hashes})
    socket = await ReflexSocket.connect(
        app_url,
        query={"token": os.urandom(16).hex()},  # a tab of its own
        headers={"Cookie": f"{SESSION_COOKIE}={admin.session_token}", "Origin": app_url},
        auth={"event": hydrate, "state_schema": events.state_schema},
        subprotocols=[events.protocol],
        timeout=STEP_TIMEOUT_SECONDS,
    )
    page = Page(socket, events.state)
    await page.until(lambda p: bool(card_state(p)), "load")
    return page


def state_change(secret: str, integration: Integration, state: str) -> bytes:
    moment = datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    data = {
        "integration_id": integration.kombo_integration_id,
        "integration_tool": integration.tool_id,
        "integration_category": integration.category,
        "end_user": {"organization_name": "Bench", "origin_id": integration.organisation_id},
        "qa_status": "PASSED",
        "setup_status": "COMPLETED",
        "state": state,
        "updated_at": moment,
    }
    body = {"id": os.urandom(12).hex(), "type": "integration-state-changed", "data": data}
    return json.dumps(body, indent=2).encode()


async def push_changes(
    pages_at: RunningApp, webhooks_to: RunningApp, changes: int, events: PageEvents
) -> PushRun:
    settings = Settings.from_environment(pages_at.env)
    admin = create_admins(pages_at, 1, PASSWORD)[0]
    async with httpx.AsyncClient(timeout=STEP_TIMEOUT_SECONDS) as http:
        connected = await connect_hris(admin, events, pages_at.url, http, settings.sandbox.api_key)
        if not connected.ok:
            raise RuntimeError(f"connecting the HRIS failed: {connected.failure}")
        await asyncio.sleep(2)  # Kombo's webhooks about the new integration come and go
        integration = the_integration(pages_at, admin)
        pages = [await open_page(pages_at.url, admin, events) for _ in range(PAGES)]
        secret = settings.kombo.webhook_secrets[0]
        run = PushRun([], [], 0)
        try:
            for number in range(changes):
                await asyncio.sleep(0.2)  # one change at a time, as a person would see
                state = "ACTIVE" if number % 2 else "INVALID"
                body = state_change(secret, integration, state)
                url = f"{webhooks_to.url}{WEBHOOK_PATH}"
                sent, answered, seen = await one_change(http, url, secret, body, pages)
                run.answered_ms.append((answered - sent) * 1000)
                run.seen_ms += [(at - sent) * 1000 for at in seen]
                run.before_answer += sum(1 for at in seen if at < answered)
        finally:
            for page in pages:
                await page.socket.close()
    return run


async def one_change(
    http: httpx.AsyncClient, url: str, secret: str, body: bytes, pages: list[Page]
) -> tuple[float, float, list[float]]:
    """Post one webhook: when it was sent, when answered, when each page saw it."""
    seen: list[float] = []

    async def watch(page: Page, before: str) -> None:
        await page.until(lambda p: card_state(p) != before, "push")
        seen.append(time.perf_counter())

    watchers = [asyncio.create_task(watch(page, card_state(page))) for page in pages]
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign_webhook(secret, body)}
    sent = time.perf_counter()
    response = await http.post(url, content=body, headers=headers)
    answered = time.perf_counter()
    if response.status_code != 200:
        raise RuntimeError(f"webhook: HTTP {response.status_code} {response.text}")
    await asyncio.gather(*watchers)
    return sent, answered, seen


def the_integration(app: RunningApp, admin: Admin) -> Integration:
    engine = create_database_engine(app.database_url)
    try:
        with Session(engine) as session:
            user = session.exec(select(User).where(User.email == admin.email)).one()
            return session.exec(
                select(Integration).where(Integration.organisation_id == user.organisation_id)
            ).one()
    finally:
        engine.dispose()


def idle_events(app: RunningApp, seconds: float) -> tuple[int, int]:
    """Socket.io events and all frames a signed-in page sent while left alone."""
    admin = create_admins(app, 1, PASSWORD)[0]
    with chromium() as browser:
        page = browser.new_context().new_page()
        frames: list[str] = []
        page.on("websocket", lambda ws: ws.on("framesent", lambda f: frames.append(str(f))))
        sign_in(page, app.url, admin.email, PASSWORD)
        page.wait_for_url(f"**{PAGE_PATH}**")
        page.get_by_role("button", name=f"Connect {CATEGORY}").wait_for()
        page.wait_for_timeout(1000)  # the page's own start-up events are not idle
        frames.clear()
        page.wait_for_timeout(seconds * 1000)
        events = sum(1 for frame in frames if frame.startswith(EVENT_FRAME_PREFIX))
        return events, len(frames)


def push_figures(run: PushRun, label: str, target_ms: float) -> list[Figure]:
    answered = percentile(run.answered_ms, 50)
    p95 = percentile(run.seen_ms, 95)
    return [
        Figure(
            f"webhook sent → change on each of {PAGES} pages, p50 ({label})",
            percentile(run.seen_ms, 50),
            "ms",
            answered,
        ),
        Figure(
            f"webhook sent → change on each of {PAGES} pages, p95 ({label})",
            p95,
            "ms",
            answered,
            f"< {target_ms:.0f} ms",
            p95 < target_ms,
        ),
    ]


@contextmanager
def instances(settings: dict[str, str], count: int) -> Iterator[list[RunningApp]]:
    work_dir = Path(tempfile.mkdtemp(prefix="bench-live-"))
    apps: list[RunningApp] = []
    try:
        for number in range(count):
            (work_dir / str(number)).mkdir()
            apps.append(
                start_app(work_dir / str(number), settings, web_workdir=WEB_WORKDIRS[number])
            )
        yield apps
    finally:
        for app in apps:
            app.stop()
        shutil.rmtree(work_dir, ignore_errors=True)


def run(quick: bool) -> ScenarioResult:
    changes = QUICK_CHANGES if quick else CHANGES
    idle_seconds = QUICK_IDLE_SECONDS if quick else IDLE_SECONDS
    result = ScenarioResult(
        "5. Live updates",
        "the webhook's own answer (sent → 200) in the same run: a page cannot see a change "
        "before it is committed",
    )
    with instances({}, 1) as (app,):
        events = PageEvents.from_build(PROJECT_ROOT / WEB_WORKDIRS[0])
        one = asyncio.run(push_changes(app, app, changes, events))
        result.figures += push_figures(one, "one instance, SQLite", ONE_INSTANCE_TARGET_MS)
        sent, frames = idle_events(app, idle_seconds)
    per_minute = sent * 60 / idle_seconds
    result.figures.append(
        Figure(
            "events an idle open page sends per minute",
            per_minute,
            "count",
            None,
            "0",
            per_minute == 0,
        )
    )
    result.notes.append(
        f"One instance: {changes} webhooks, {PAGES} pages each; {one.before_answer} of "
        f"{len(one.seen_ms)} page deltas arrived before the webhook's answer did."
    )
    result.notes.append(
        f"Idle page: Chromium, signed in, left alone {idle_seconds:.0f} s: {sent} socket.io "
        f"events, {frames} websocket frames in all (the transport's pongs)."
    )
    base, redis = postgres_base_url(), redis_url()
    if base is None or redis is None:
        result.notes.append("No two-instance run: set TEST_POSTGRES_URL and TEST_REDIS_URL.")
        return result
    with postgres_schema_url(base) as database_url:
        shared = {"REFLEX_DB_URL": database_url, "REFLEX_REDIS_URL": redis}
        with instances(shared, 2) as (a, b):
            two = asyncio.run(push_changes(a, b, changes, events))
    result.figures += push_figures(
        two, "two instances, PostgreSQL + Redis", TWO_INSTANCES_TARGET_MS
    )
    result.notes.append(
        f"Two instances: pages on A, webhooks to B; {changes} webhooks, {PAGES} pages each; "
        f"{two.before_answer} of {len(two.seen_ms)} page deltas arrived before the answer."
    )
    return result
