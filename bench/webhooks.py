"""1. Webhook ingestion: signed Kombo events posted over 16 concurrent connections to the
production single-port server, on SQLite and on PostgreSQL, against a floor.

The portal runs as production runs it (`python -m kombo_portal serve`, real mode), with
the standalone sandbox as its Kombo, so the details fetch after an
`integration-created` is a real HTTP call. The sandbox's own webhooks go to a port
nobody listens on: every event the portal gets comes from this benchmark.

Per database: organisations, and integrations connected at the sandbox through its
flow; a warm-up, not measured (the first integrations' `integration-created`, then a
wait until their details are fetched); the load, measured (distinct events with
repeats of already-sent ids interleaved, pretty-printed and signed as Kombo sends
them, one request at a time on each keep-alive connection); the checks (lost, applied
twice, stored but not applied); then the floor (bench/webhook_floor.py on granian, one
worker, the server Reflex runs the portal on) given the same warm-up and load.

PostgreSQL needs BENCH_POSTGRES_URL or TEST_POSTGRES_URL (schemas of its own per run).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import secrets
import string
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, func
from sqlmodel import col, select

from bench.accounts import NO_POSTGRES, postgres_base_url
from bench.processes import tree_usage
from bench.result import Figure, ScenarioResult
from bench.stats import percentile
from bench.webhook_floor import DATABASE_URL_VARIABLE, SECRET_VARIABLE, create_table, floor_event
from harness.app_server import RunningApp, start_app
from harness.postgres import postgres_schema_url
from harness.processes import free_port, serving
from harness.sandbox_server import SandboxServer, sandbox_server
from kombo_portal.db.engine import create_database_engine
from kombo_portal.db.models import Integration, WebhookEvent
from kombo_portal.db.transaction import reading, transaction
from kombo_portal.kombo.signature import SIGNATURE_HEADER, sign_webhook
from kombo_portal.records.accounts import create_organisation

NAME = "1. Webhook ingestion"
CONCURRENCY = 16
WEB_WORKDIR = ".web-bench"
WEBHOOK_PATH = "/webhooks/kombo"
# Targets from the issue.
MIN_FLOOR_RATIO = 0.6
MAX_P99_MS = 250.0
# A repeat goes at least this many positions after its original, so that with 16 in
# flight it is usually a repeat of an event already answered (Kombo's retries and
# duplicates), and sometimes one racing its original.
REPEAT_MIN_DISTANCE = 2 * CONCURRENCY
DETAILS_WITHIN_SECONDS = 60
REQUEST_TIMEOUT_SECONDS = 60
OUTCOME_LINE = re.compile(r"kombo_portal\.api\.webhooks .*Webhook (\S+) \(([\w.-]+)\): (\w+)\s*$")
HRIS_TOOLS = ("personio", "bamboohr", "hibob", "workday", "factorial")
ATS_TOOLS = ("greenhouse", "lever", "workable", "teamtailor", "recruitee")
STATES = ("ACTIVE", "INVALID", "INACTIVE")
MODELS = ("hris_employees", "hris_teams", "hris_absences", "ats_applications", "ats_jobs")
ID_ALPHABET = string.ascii_letters + string.digits
# Found with bench/webhooks_profile.py (py-spy) on this code; it says what to fix next.
BIGGEST_COST = (
    "the one worker process's Python, not the database: its threads together use about "
    "a core while the load lasts (SQLite, per request, from /proc: the event loop 0.45 ms "
    "of CPU, for granian's send and receive, Reflex's and the portal's ASGI layers, the "
    "signature, the log line and the hand-off; the database threads 0.65 ms, for "
    "SQLAlchemy's session, `ingest`'s statements (2 for data-changed, the floor's 1; 5 "
    "for a state change) and the commit; granian's own threads under 0.1 ms). The "
    "floor does one Core insert with no session. `python -m bench.webhooks_profile "
    "--gil` shows where the Python time goes. PostgreSQL itself waits (an earlier "
    "profile): sampled during "
    "the load it had about 4 transactions open, idle, waiting for the portal, and lock "
    "waits in under 1 % of samples. On SQLite the one write lock caps the rate as well."
)


@dataclass(frozen=True)
class Sizes:
    distinct: int
    repeats: int
    organisations: int  # each gets an HRIS and an ATS integration before the load
    new_integrations: int  # announced by `integration-created` during the load
    # Shares of all distinct events; the rest, but the new integrations', is data-changed.
    state_changed: float = 0.30
    flow_failed: float = 0.03


FULL = Sizes(distinct=5000, repeats=1000, organisations=25, new_integrations=50)
QUICK = Sizes(distinct=300, repeats=60, organisations=5, new_integrations=5)


@dataclass(frozen=True)
class Delivery:
    event_id: str
    event_type: str
    body: bytes
    signature: str
    repeat: bool = False


@dataclass(frozen=True)
class Connected:
    kombo_id: str
    organisation_id: str
    organisation_name: str
    email: str
    category: str
    tool: str


@dataclass
class Load:
    """One server's load on one database: every answer, timed; then what the checks found."""

    statuses: list[int] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    # event id -> outcomes the server answered with (the portal says which)
    outcomes: dict[str, Counter[str]] = field(default_factory=dict)
    wall_seconds: float = 0.0
    client_cpu_seconds: float = 0.0
    server_cpu_seconds: float = 0.0
    distinct: int = 0
    stored: int = 0  # distinct events found in the server's table
    applied: int = 0  # distinct events applied (the portal) or stored (the floor)
    applied_twice: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(1 for status in self.statuses if status != 200)

    def percentile_ms(self, q: float) -> float:
        return 1000 * percentile(self.seconds, q)

    @property
    def lost(self) -> int:
        return self.distinct - self.stored

    @property
    def per_second(self) -> float:
        return self.applied / self.wall_seconds

    @property
    def cpu_ms_per_event(self) -> float:
        """The server's CPU time (all its processes) per event applied, in ms."""
        return 1000 * self.server_cpu_seconds / max(self.applied, 1)


# -- the events -----------------------------------------------------------------------


def _random_id(rng: random.Random) -> str:
    return "".join(rng.choice(ID_ALPHABET) for _ in range(24))


def _end_user(integration: Connected) -> dict[str, str]:
    return {
        "organization_name": integration.organisation_name,
        "creator_email": integration.email,
        "origin_id": integration.organisation_id,
    }


def _delivery(rng: random.Random, secret: str, event_type: str, data: dict[str, Any]) -> Delivery:
    event_id = _random_id(rng)
    # Pretty-printed, as Kombo sends it; the signature is over these exact bytes.
    body = json.dumps({"id": event_id, "type": event_type, "data": data}, indent=2).encode()
    return Delivery(event_id, event_type, body, sign_webhook(secret, body))


def _created(rng: random.Random, secret: str, integration: Connected) -> Delivery:
    data = {
        "id": integration.kombo_id,
        "tool": integration.tool,
        "category": integration.category,
        "end_user": _end_user(integration),
    }
    return _delivery(rng, secret, "integration-created", data)


def load_events(
    rng: random.Random,
    secret: str,
    sizes: Sizes,
    existing: Sequence[Connected],
    new: Sequence[Connected],
) -> list[Delivery]:
    """The distinct events in a shuffled order, with the repeats interleaved."""
    distinct = [_created(rng, secret, integration) for integration in new]
    state_changes = round(sizes.state_changed * sizes.distinct)
    flow_failures = round(sizes.flow_failed * sizes.distinct)
    moment = datetime.now(UTC)
    for index in range(sizes.distinct - len(distinct)):
        integration = rng.choice(existing)
        tool = {
            "integration_tool": integration.tool,
            "integration_category": integration.category,
        }
        if index < state_changes:
            moment += timedelta(milliseconds=rng.randint(1, 50))
            data: dict[str, Any] = {
                "integration_id": integration.kombo_id,
                **tool,
                "end_user": _end_user(integration),
                "qa_status": "PASSED",
                "setup_status": "COMPLETED",
                "state": rng.choice(STATES),
                "updated_at": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            }
            distinct.append(_delivery(rng, secret, "integration-state-changed", data))
        elif index < state_changes + flow_failures:
            data = {
                **tool,
                "end_user": _end_user(integration),
                "log_url": f"https://app.kombo.dev/logs/{_random_id(rng)}",
            }
            distinct.append(_delivery(rng, secret, "connection-flow-failed", data))
        else:
            data = {
                "integration_id": integration.kombo_id,
                **tool,
                "changed_models": [{"name": name} for name in rng.sample(MODELS, 2)],
            }
            distinct.append(_delivery(rng, secret, "data-changed", data))
    rng.shuffle(distinct)
    # Each event is sent once at position k; a repeat of it anywhere after k + distance.
    keyed = [(float(position), delivery) for position, delivery in enumerate(distinct)]
    for position in rng.sample(range(len(distinct)), sizes.repeats):
        later = position + REPEAT_MIN_DISTANCE + rng.uniform(0, len(distinct) - position)
        keyed.append((later, replace(distinct[position], repeat=True)))
    keyed.sort(key=lambda pair: pair[0])
    return [delivery for _, delivery in keyed]


# -- the load generator -----------------------------------------------------------------
#
# A minimal HTTP/1.1 client on asyncio streams: one task per keep-alive connection,
# bodies signed before the clock starts. httpx's AsyncClient was tried first: on
# this kind of machine (2 cores, shared with the server under test) it took 70 % of
# a core for about 300 requests/s, so it, not the floor, set the floor's figure;
# this client needs about 15 % of a core for 1,000.


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        if self.reader is None or self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        lines = [f"POST {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        lines.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("the server closed the connection")
        status = int(status_line.split()[1])
        length, chunked, close = 0, False, False
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding":
                chunked = "chunked" in value
            elif name == "connection":
                close = value == "close"
        if chunked:
            parts = []
            while size := int((await self.reader.readline()).split(b";")[0], 16):
                parts.append(await self.reader.readexactly(size + 2))
            await self.reader.readline()  # the empty trailer
            content = b"".join(part[:-2] for part in parts)
        else:
            content = await self.reader.readexactly(length)
        if close:
            await self.close()
        return status, content

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None


async def _post_all(url: str, deliveries: Sequence[Delivery]) -> Load:
    parsed = httpx.URL(url)
    host, port, path = parsed.host, parsed.port or 80, parsed.raw_path.decode()
    load = Load()
    pending = iter(deliveries)

    async def worker() -> None:
        connection = Connection(host, port)
        for delivery in pending:  # one shared iterator: each delivery goes out once
            headers = {"Content-Type": "application/json", SIGNATURE_HEADER: delivery.signature}
            started = time.perf_counter()
            try:
                status, body = await asyncio.wait_for(
                    connection.post(path, delivery.body, headers), REQUEST_TIMEOUT_SECONDS
                )
            except (OSError, ValueError, IndexError, asyncio.IncompleteReadError):
                # TimeoutError is an OSError; a connection in an unknown state is dropped.
                await connection.close()
                status, body = 0, b""  # no answer at all: an error like any non-200
            load.seconds.append(time.perf_counter() - started)
            load.statuses.append(status)
            if status == 200:
                outcome = json.loads(body).get("outcome", "stored")
                load.outcomes.setdefault(delivery.event_id, Counter())[outcome] += 1
        await connection.close()

    cpu, begun = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    load.wall_seconds = time.perf_counter() - begun
    load.client_cpu_seconds = time.process_time() - cpu
    return load


def post_all(url: str, deliveries: Sequence[Delivery], server_pid: int | None = None) -> Load:
    """All deliveries over CONCURRENCY connections, each answer timed; with the server's
    process, also the CPU time it and its workers spent meanwhile."""
    before = tree_usage(server_pid).cpu_seconds if server_pid else 0.0
    load = asyncio.run(_post_all(url, deliveries))
    if server_pid:
        load.server_cpu_seconds = tree_usage(server_pid).cpu_seconds - before
    return load


def _warmed(url: str, deliveries: Sequence[Delivery], what: str) -> None:
    if (warm_up := post_all(url, deliveries)).errors:
        raise RuntimeError(f"{what} warm-up answered {Counter(warm_up.statuses)}")


# -- the portal -----------------------------------------------------------------------


def _connect_at_sandbox(
    kombo: SandboxServer, engine: Engine, sizes: Sizes
) -> tuple[list[Connected], list[Connected]]:
    """Organisations in the portal and their integrations at the sandbox, made through
    its flow so that its API knows them (the details fetch asks for them)."""
    suffix = secrets.token_hex(3)
    with transaction(engine) as session:
        organisations = [
            (create_organisation(session, f"Bench Org {index} {suffix}").id, f"Bench Org {index}")
            for index in range(sizes.organisations)
        ]
    wanted: list[tuple[int, str, str]] = []  # (organisation index, category, tool)
    for index in range(sizes.organisations):
        wanted.append((index, "HRIS", HRIS_TOOLS[index % len(HRIS_TOOLS)]))
        wanted.append((index, "ATS", ATS_TOOLS[index % len(ATS_TOOLS)]))
    for index in range(sizes.new_integrations):
        # A second connection of a category, as a reconnect through a new flow makes.
        wanted.append((index % sizes.organisations, "HRIS", HRIS_TOOLS[(index + 1) % 5]))
    connected = []
    headers = {"Authorization": f"Bearer {kombo.api_key}"}
    with (
        httpx.Client(base_url=kombo.api_url, headers=headers, timeout=30) as api,
        kombo.control() as control,
    ):
        for number, (index, category, tool) in enumerate(wanted):
            organisation_id, name = organisations[index]
            email = f"admin-{number}@bench.example"
            link = api.post(
                "/connect/create-link",
                json={
                    "end_user_email": email,
                    "end_user_organization_name": name,
                    "end_user_origin_id": organisation_id,
                    "integration_category": category,
                },
            )
            link.raise_for_status()
            done = control.post(
                "/flow/complete", json={"link": link.json()["data"]["link"], "tool": tool}
            )
            done.raise_for_status()
            kombo_id = done.json()["data"]["integration_id"]
            connected.append(Connected(kombo_id, organisation_id, name, email, category, tool))
    existing = 2 * sizes.organisations
    return connected[:existing], connected[existing:]


def _wait_for_details(engine: Engine, kombo_ids: Sequence[str]) -> int:
    """Wait until the portal has fetched these integrations' logos; returns how many it has."""
    deadline = time.monotonic() + DETAILS_WITHIN_SECONDS
    while True:
        with reading(engine) as session:
            done = session.exec(
                select(func.count())
                .select_from(Integration)
                .where(col(Integration.kombo_integration_id).in_(kombo_ids))
                .where(col(Integration.tool_logo_url).is_not(None))
            ).one()
        if done == len(kombo_ids) or time.monotonic() > deadline:
            return done
        time.sleep(0.2)


def _check_portal(
    engine: Engine, app: RunningApp, deliveries: Sequence[Delivery], load: Load
) -> None:
    distinct_ids = {delivery.event_id for delivery in deliveries}
    with reading(engine) as session:
        rows = session.exec(
            select(WebhookEvent.id, WebhookEvent.applied_at, WebhookEvent.flag).where(
                col(WebhookEvent.id).in_(distinct_ids)
            )
        ).all()
    # How often the portal logged `applied` per event id (it logs after the commit),
    # and how often it answered so.
    logged: Counter[str] = Counter()
    for line in app.log_path.read_text(errors="replace").splitlines():
        if (match := OUTCOME_LINE.search(line)) and match.group(3) == "applied":
            logged[match.group(1)] += 1
    answered = {event_id: outcomes["applied"] for event_id, outcomes in load.outcomes.items()}
    load.applied_twice = sum(1 for i in distinct_ids if logged[i] > 1 or answered.get(i, 0) > 1)
    load.distinct, load.stored = len(distinct_ids), len(rows)
    load.applied = sum(1 for _, applied_at, flag in rows if applied_at is not None and flag is None)
    if flagged := Counter(flag for _, _, flag in rows if flag is not None):
        load.notes.append(f"flagged instead of applied: {dict(flagged)}")


def measure_portal(
    work_dir: Path,
    database_url: str,
    sizes: Sizes,
    rng: random.Random,
    observe: Callable[[RunningApp], AbstractContextManager[object]] | None = None,
) -> tuple[Load, list[Delivery], list[Delivery]]:
    """The portal's run on one database; returns its figures and the events it was sent
    (warm-up and load), for the floor to get the same. `observe` (a profiler, say) is
    entered right before the load and left right after it."""
    secret = f"whsec_bench_{secrets.token_hex(16)}"
    nobody = free_port()  # the sandbox's own webhooks: refused, retried rarely
    with sandbox_server(
        work_dir,
        f"http://127.0.0.1:{nobody}{WEBHOOK_PATH}",
        api_key=f"ks_prod_bench_{secrets.token_hex(8)}",
        webhook_secret=secret,
        max_retry_wait=3600,
    ) as kombo:
        settings = {
            "KOMBO_API_KEY": kombo.api_key,
            "KOMBO_API_BASE_URL": kombo.api_url,
            "KOMBO_WEBHOOK_SECRET": secret,
            "KOMBO_CONNECT_ORIGINS": kombo.url,
            # Strong and new each run: nothing here depends on its value.
            "PORTAL_SECRET_KEY": secrets.token_urlsafe(48),
            "PORTAL_COOKIE_SECURE": "0",  # plain HTTP on loopback
            "PORTAL_DEMO": "",
            "REFLEX_DB_URL": database_url,
        }
        app = start_app(work_dir, settings, web_workdir=WEB_WORKDIR)
        engine = create_database_engine(database_url)
        try:
            existing, new = _connect_at_sandbox(kombo, engine, sizes)
            url = f"{app.url}{WEBHOOK_PATH}"
            warm_up = [_created(rng, secret, integration) for integration in existing]
            _warmed(url, warm_up, "portal")
            fetched = _wait_for_details(engine, [i.kombo_id for i in existing])
            if fetched != len(existing):
                raise RuntimeError(f"details of {len(existing) - fetched} integrations not fetched")
            deliveries = load_events(rng, secret, sizes, existing, new)
            with observe(app) if observe else nullcontext():
                load = post_all(url, deliveries, server_pid=app.pid)
            _check_portal(engine, app, deliveries, load)
            # Not part of the figures, but what production would see next.
            fetched = _wait_for_details(engine, [i.kombo_id for i in new])
            load.notes.append(
                f"details of {fetched} of {len(new)} integrations created during the load "
                "fetched from the sandbox"
            )
        finally:
            app.stop()
            engine.dispose()
    return load, warm_up, deliveries


# -- the floor ------------------------------------------------------------------------


@contextmanager
def floor_server(work_dir: Path, database_url: str, secret: str) -> Iterator[tuple[str, int]]:
    """Yields the floor's webhook URL and its process id."""
    port = free_port()
    url = f"http://127.0.0.1:{port}{WEBHOOK_PATH}"
    command = [sys.executable, "-m", "granian", "--interface", "asgi", "--workers", "1"]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    command += ["--factory", "bench.webhook_floor:create_app"]
    env = {**os.environ, DATABASE_URL_VARIABLE: database_url, SECRET_VARIABLE: secret}

    def refuses_unsigned() -> bool:
        return httpx.post(url, content=b"{}", timeout=2).status_code == 401

    log_path = work_dir / "floor.log"
    with serving(command, log_path, refuses_unsigned, what="the floor", env=env) as process:
        yield url, process.pid


def measure_floor(
    work_dir: Path, database_url: str, warm_up: Sequence[Delivery], deliveries: Sequence[Delivery]
) -> Load:
    secret = f"whsec_floor_{secrets.token_hex(16)}"

    def signed(batch: Sequence[Delivery]) -> list[Delivery]:
        return [replace(d, signature=sign_webhook(secret, d.body)) for d in batch]

    engine = create_database_engine(database_url)
    try:
        create_table(engine)
        with floor_server(work_dir, database_url, secret) as (url, pid):
            _warmed(url, signed(warm_up), "floor")
            load = post_all(url, signed(deliveries), server_pid=pid)
        distinct_ids = {delivery.event_id for delivery in deliveries}
        with engine.connect() as connection:
            stored = connection.execute(
                select(func.count())
                .select_from(floor_event)
                .where(floor_event.c.id.in_(distinct_ids))
            ).scalar_one()
    finally:
        engine.dispose()
    load.distinct, load.stored, load.applied = len(distinct_ids), stored, stored
    return load


# -- the figures ----------------------------------------------------------------------


@contextmanager
def database_urls(label: str, work_dir: Path) -> Iterator[tuple[str, str]]:
    """(the portal's URL, the floor's URL): fresh, empty, of the same kind."""
    if label == "SQLite":
        yield f"sqlite:///{work_dir / 'portal.db'}", f"sqlite:///{work_dir / 'floor.db'}"
        return
    base = postgres_base_url()
    if base is None:
        raise RuntimeError(f"no PostgreSQL: {NO_POSTGRES}")
    with ExitStack() as stack:
        yield (
            stack.enter_context(postgres_schema_url(base)),
            stack.enter_context(postgres_schema_url(base)),
        )


def figures_for(label: str, portal: Load, floor: Load) -> list[Figure]:
    rate, floor_rate = portal.per_second, floor.per_second
    rate_target = f"≥ {MIN_FLOOR_RATIO} × floor"
    rate_met = floor_rate > 0 and rate >= MIN_FLOOR_RATIO * floor_rate
    p99, floor_p99 = portal.percentile_ms(99), floor.percentile_ms(99)
    errors, lost, twice = portal.errors, portal.lost, portal.applied_twice
    unapplied, cpu = portal.stored - portal.applied, portal.cpu_ms_per_event
    figures = [
        Figure("events applied per second", rate, "events/s", floor_rate, rate_target, rate_met),
        Figure("p50 latency", portal.percentile_ms(50), "ms", floor.percentile_ms(50)),
        Figure("p99 latency", p99, "ms", floor_p99, f"< {MAX_P99_MS:.0f} ms", p99 < MAX_P99_MS),
        Figure("server CPU per event applied", cpu, "ms", floor.cpu_ms_per_event),
        Figure("answers not 200", errors, "count", floor.errors, "0", errors == 0),
        Figure("events lost", lost, "count", floor.lost, "0", lost == 0),
        Figure("events applied twice", twice, "count", None, "0", twice == 0),
        Figure("events stored but not applied", unapplied, "count", None, "0", unapplied == 0),
    ]
    return [replace(figure, name=f"{figure.name} ({label})") for figure in figures]


def _load_note(label: str, who: str, load: Load) -> str:
    return (
        f"{label}, {who}: {len(load.statuses)} requests in {load.wall_seconds:.1f} s; the "
        f"server used {load.server_cpu_seconds / load.wall_seconds:.0%} of a core, the load "
        f"generator {load.client_cpu_seconds / load.wall_seconds:.0%}"
    )


def run(quick: bool) -> ScenarioResult:
    sizes = QUICK if quick else FULL
    labels = ["SQLite"] + (["PostgreSQL"] if postgres_base_url() else [])
    result = ScenarioResult(
        name=NAME,
        baseline=(
            "a minimal Starlette app (bench/webhook_floor.py) on granian, one worker, that "
            "verifies the signature and inserts the raw event once, on the same kind of "
            "database, same load"
        ),
        biggest_cost=BIGGEST_COST,
    )
    result.notes.append(
        f"{sizes.distinct} distinct signed events + {sizes.repeats} repeats, "
        f"{CONCURRENCY} connections; the portal: `python -m kombo_portal serve` (granian, "
        "one worker, real mode), the standalone sandbox as its Kombo for details fetches"
    )
    if "PostgreSQL" not in labels:
        result.notes.append(f"PostgreSQL skipped: {NO_POSTGRES}")
    for label in labels:
        # The same events for every run, so runs compare (integration ids come from the sandbox).
        rng = random.Random(f"webhooks-{sizes.distinct}")  # noqa: S311 (not for secrets)
        with (
            tempfile.TemporaryDirectory(prefix="bench-webhooks-") as folder,
            database_urls(label, Path(folder)) as (portal_url, floor_url),
        ):
            work_dir = Path(folder)
            portal, warm_up, deliveries = measure_portal(work_dir, portal_url, sizes, rng)
            floor = measure_floor(work_dir, floor_url, warm_up, deliveries)
        if label == labels[0]:
            mix = Counter(delivery.event_type for delivery in deliveries if not delivery.repeat)
            result.notes.append(
                "distinct events: " + ", ".join(f"{count} {kind}" for kind, count in mix.items())
            )
        result.figures += figures_for(label, portal, floor)
        result.notes += [f"{label}: {note}" for note in portal.notes]
        result.notes.append(_load_note(label, "portal", portal))
        result.notes.append(_load_note(label, "floor", floor))
    return result
