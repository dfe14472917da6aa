"""4. Many users: 200 signed-in users, each a websocket client like a browser tab, open the
Integrations page, connect their HRIS through the local sandbox and see the connected
card, all within one minute; every user must succeed. Reports p50/p99 of each step and
the server's memory before and after.

Each simulated user does what the compiled page does (the event names, their
arguments, the hydrate and the refresh ticker are read from the build, so they cannot
drift from the page):

1. load: the socket.io connect to /_event with the session cookie and the hydrate event
   in the CONNECT packet (as state.js does) -> the delta with the cards (on_load ran).
2. init: "Connect HRIS" (IntegrationsState.connect) -> the delta with the Kombo link.
3. The Kombo Connect window, which a browser would show, is finished server-side
   through the sandbox's control endpoint: it returns the activation token.
4. activation: IntegrationsState.connect_succeeded with the token -> the delta with the
   "... is connected." notice and the connected card. Then the tab closes.

While its page is open a user also sends the page's refresh tick every 1.5 s, as the
real page does, and the pages stay open until the last user is done, so at the end
all of them are on the server at once.

The users start evenly over 50 s (4 a second; quick: 20 users over 5 s): the issue's
"within one minute". Then as many again all at once, to show the headroom. The
baseline is the same user alone: a few users one after the other on the same
server, right before the load.

On SQLite, profiled; then, when the benchmark has PostgreSQL (BENCH_POSTGRES_URL or
TEST_POSTGRES_URL), the same again on a fresh schema there, without the profiler.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import statistics
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.many_users_probe import (
    Profile,
    TreeUsage,
    backend_worker,
    busy_stacks,
    by_library,
    loop_shares,
    ranking,
    thread_times,
    tree_usage,
)
from bench.many_users_socket import ReflexSocket, SocketClosed
from bench.result import Figure, ScenarioResult
from bench.webhooks import postgres_base_url
from kombo_portal.api.app import SANDBOX_MOUNT_PATH
from kombo_portal.api.auth import SESSION_COOKIE
from kombo_portal.config import PROJECT_ROOT, Settings
from kombo_portal.db.engine import create_database_engine
from kombo_portal.db.models import Role, User
from kombo_portal.db.transaction import transaction
from kombo_portal.services.accounts import create_organisation, hash_password
from kombo_portal.services.sessions import start_session
from tests.support.app_server import RunningApp, start_app
from tests.support.postgres import postgres_schema_url

USERS = 200
QUICK_USERS = 20
# The starts are spread evenly over this long (the same pace, 4 users a second, in
# both sizes), leaving the last users ten seconds to finish within the minute.
ARRIVAL_SECONDS = 50.0
QUICK_ARRIVAL_SECONDS = 5.0
WALL_TARGET_SECONDS = 60.0
# The baseline: this many users one after another, each alone on the server.
SOLO_USERS = 10
# Users before the baseline whose figures are dropped: the first events after a start
# pay for imports and caches filling.
WARM_UP_USERS = 2
STEP_TIMEOUT_SECONDS = 60.0
WEB_WORKDIR = ".web-bench-users"
PAGE_PATH = "/settings/integrations"
CATEGORY = "HRIS"
# Nobody signs in with it (sessions are made directly), but every user needs one.
PASSWORD = "many-users-bench-password"  # noqa: S105
# py-spy's samples a second: enough for a ranking over a minute, light on two cores.
PROFILE_RATE = 50
MIB = 1024 * 1024


class UserFailed(Exception):
    pass


# -- what the compiled page sends ----------------------------------------------------


@dataclass(frozen=True)
class PageEvents:
    """The page's events as the production build names them."""

    hydrate: str  # the event that rides in the socket.io CONNECT packet
    hashes: list[str]  # the first hydrate's initialStateHashes (smaller first delta)
    state_schema: str
    connect: str
    connect_argument: str
    succeeded: str
    succeeded_argument: str
    refresh: str
    tick_seconds: float
    state: str  # the page state's key in the deltas
    protocol: str  # the websocket subprotocol state.js asks for: the Reflex version

    @classmethod
    def from_build(cls, web_workdir: Path) -> PageEvents:
        context = (web_workdir / "utils" / "context.jsx").read_text()
        version = json.loads((web_workdir / "reflex.json").read_text())["version"]
        page = "\n".join(
            source.read_text()
            for folder in ("app_components", "app")
            for source in sorted((web_workdir / folder).rglob("*.jsx"))
            if "connect_succeeded" in source.read_text()
        )
        handlers = {
            name: (f"{state}.{name}", argument)
            for state, name, argument in re.findall(
                r'ReflexEvent\("([\w.]+)\.(connect|connect_succeeded|refresh)", '
                r'\(\{ ?(?:\["(\w+)"\])?',
                page,
            )
        }
        hydrate = re.search(r"ReflexEvent\('([\w.]+\.hydrate_and_load)'", context)
        hashes = re.search(r"initialStateHashes = (\[[^\]]*\])", context)
        schema = re.search(r'stateSchema = "(\w+)"', context)
        tick = re.search(r"jsx\(Ticker,\{.*?interval:(\d+)", page)
        missing = [
            what
            for what, found in {
                "connect": "connect" in handlers,
                "connect_succeeded": "connect_succeeded" in handlers,
                "refresh": "refresh" in handlers,
                "hydrate_and_load": hydrate,
                "initialStateHashes": hashes,
                "stateSchema": schema,
                "Ticker interval": tick,
            }.items()
            if not found
        ]
        if missing:
            raise RuntimeError(f"not found in the build in {web_workdir}: {', '.join(missing)}")
        connect, connect_argument = handlers["connect"]
        succeeded, succeeded_argument = handlers["connect_succeeded"]
        return cls(
            hydrate=hydrate.group(1),
            hashes=json.loads(hashes.group(1)),
            state_schema=schema.group(1),
            connect=connect,
            connect_argument=connect_argument,
            succeeded=succeeded,
            succeeded_argument=succeeded_argument,
            refresh=handlers["refresh"][0],
            tick_seconds=int(tick.group(1)) / 1000,
            state=connect.rpartition(".")[0],
            protocol=version,
        )


def router_data() -> dict[str, str]:
    # withRouterData in state.js: the path, and the query only when there is one.
    return {"pathname": PAGE_PATH, "asPath": PAGE_PATH}


# -- one simulated user ------------------------------------------------------------


@dataclass
class UserRun:
    ok: bool = False
    failure: str = ""
    load_ms: float | None = None
    init_ms: float | None = None
    flow_ms: float | None = None  # the sandbox finishing the flow: Kombo's part, not the portal's
    activation_ms: float | None = None
    started: float = 0.0
    finished: float = 0.0
    ticks: int = 0


class Page:
    """The page state as the tab holds it: every delta for it applied in order."""

    def __init__(self, socket: ReflexSocket, state: str) -> None:
        self.socket = socket
        self.state = state
        self.vars: dict[str, Any] = {}

    def get(self, name: str) -> Any:
        # Reflex suffixes every state var's name in the frontend.
        return self.vars.get(f"{name}_rx_state_")

    def hris_connected(self) -> bool:
        cards = self.get("cards") or []
        return any(card.get("category") == CATEGORY and card.get("connected") for card in cards)

    async def until(self, done: Callable[[Page], bool], what: str) -> None:
        deadline = time.perf_counter() + STEP_TIMEOUT_SECONDS
        while not done(self):
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise UserFailed(f"{what}: no such delta within {STEP_TIMEOUT_SECONDS:.0f} s")
            try:
                update = await asyncio.wait_for(self.socket.updates.get(), remaining)
            except TimeoutError:
                continue
            if update is None:
                raise UserFailed(f"{what}: the websocket closed")
            self.vars.update((update.get("delta") or {}).get(self.state, {}))
            for event in update.get("events") or []:
                if event.get("name") == "_redirect":  # e.g. to the sign-in page
                    path = (event.get("payload") or {}).get("path")
                    raise UserFailed(f"{what}: sent to {path}")
            if self.get("error"):
                raise UserFailed(f"{what}: the page says {self.get('error')!r}")


@dataclass(frozen=True)
class Account:
    session_token: str


async def simulate_user(
    account: Account,
    events: PageEvents,
    app_url: str,
    http: httpx.AsyncClient,
    sandbox_key: str,
    linger: Callable[[], Awaitable[None]] | None = None,
) -> UserRun:
    """One tab through the steps; then `linger` (the page stays open, ticking) and close."""
    run = UserRun(started=time.perf_counter())
    socket: ReflexSocket | None = None
    ticker: asyncio.Task[None] | None = None
    try:
        # 1. load: the hydrate event goes in the CONNECT packet, as state.js sends it.
        auth = {
            "event": {
                "name": events.hydrate,
                "payload": {"hashes": events.hashes},
                "router_data": router_data(),
            },
            "state_schema": events.state_schema,
        }
        socket = await ReflexSocket.connect(
            app_url,
            path="/_event",
            query={"token": str(uuid.uuid4())},  # a new tab's token
            headers={"Cookie": f"{SESSION_COOKIE}={account.session_token}", "Origin": app_url},
            auth=auth,
            subprotocols=[events.protocol],
            timeout=STEP_TIMEOUT_SECONDS,
        )
        page = Page(socket, events.state)
        ticker = asyncio.create_task(tick(socket, events, run))
        await page.until(lambda p: bool(p.get("cards")), "load")
        run.load_ms = (time.perf_counter() - run.started) * 1000

        # 2. init: "Connect HRIS" until the link arrives.
        sent = time.perf_counter()
        await socket.emit("event", event(events.connect, {events.connect_argument: CATEGORY}))
        await page.until(lambda p: bool(p.get("connect_link")), "init")
        run.init_ms = (time.perf_counter() - sent) * 1000

        # 3. The flow, finished the way the sandbox's flow page would.
        sent = time.perf_counter()
        response = await http.post(
            f"{app_url}{SANDBOX_MOUNT_PATH}/control/flow/complete",
            json={"link": page.get("connect_link")},
            headers={"Authorization": f"Bearer {sandbox_key}"},
        )
        if response.status_code != 200:
            raise UserFailed(f"flow: HTTP {response.status_code} {response.text[:200]}")
        try:
            activation_token = response.json()["data"]["activation_token"]
        except (ValueError, KeyError, TypeError):
            raise UserFailed(f"flow: unexpected answer {response.text[:200]}") from None
        run.flow_ms = (time.perf_counter() - sent) * 1000

        # 4. activation: the Connect component's success callback.
        sent = time.perf_counter()
        await socket.emit(
            "event", event(events.succeeded, {events.succeeded_argument: activation_token})
        )
        await page.until(
            lambda p: (p.get("notice") or "").endswith("is connected.") and p.hris_connected(),
            "activation",
        )
        run.activation_ms = (time.perf_counter() - sent) * 1000
        run.ok = True
    except (UserFailed, SocketClosed, httpx.HTTPError, OSError, TimeoutError) as error:
        run.failure = str(error) or type(error).__name__
    finally:
        run.finished = time.perf_counter()
        try:
            if linger is not None:
                await linger()
        finally:
            if ticker is not None:
                ticker.cancel()
            if socket is not None:
                await socket.close()
    return run


def event(name: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "payload": payload, "router_data": router_data()}


async def tick(socket: ReflexSocket, events: PageEvents, run: UserRun) -> None:
    """The page's Ticker: the refresh event every interval while the page is open."""
    while not socket.closed:
        await asyncio.sleep(events.tick_seconds)
        try:
            await socket.emit("event", event(events.refresh, {}))
        except (SocketClosed, OSError):
            return  # the tab is closing
        run.ticks += 1


# -- the server --------------------------------------------------------------------


def create_accounts(database_url: str, secret_key: str, count: int) -> list[Account]:
    """One organisation with one admin each, signed in: a session token per admin.

    Straight into the database instead of the CLI (a process start per call); one
    password hash for all, because argon2 takes a while per hash on purpose and
    nobody here signs in with a password.
    """
    engine = create_database_engine(database_url)
    password_hash = hash_password(PASSWORD)
    run = uuid.uuid4().hex[:8]
    tokens = []
    try:
        with transaction(engine) as session:
            for number in range(count):
                organisation = create_organisation(session, f"Many users {run} {number}")
                user = User(
                    organisation_id=organisation.id,
                    email=f"admin-{number}@many-users-{run}.test",
                    name=f"Admin {number}",
                    password_hash=password_hash,
                    role=Role.ADMIN.value,
                )
                session.add(user)
                session.flush()
                tokens.append(start_session(session, user, secret_key))
    finally:
        engine.dispose()
    return [Account(session_token=token) for token in tokens]


@dataclass
class LoadRun:
    runs: list[UserRun]
    wall_seconds: float  # first start to the last user's last step
    peak_rss_bytes: int = 0
    # The server while every page of the load was still open (the most it holds).
    all_open: TreeUsage | None = None
    client_cpu_seconds: float = 0.0

    def ok_runs(self) -> list[UserRun]:
        return [r for r in self.runs if r.ok]


async def run_users(
    accounts: list[Account],
    events: PageEvents,
    app_url: str,
    sandbox_key: str,
    *,
    spread_seconds: float | None,
    server_pid: int | None = None,
) -> LoadRun:
    """The users: one after another, each closing its page when done (`spread_seconds`
    None), or all together, their starts spread evenly over `spread_seconds`, every page
    staying open (and ticking) until the last user is done, then all closing."""
    client_cpu = time.process_time()
    peak_rss = 0
    all_open: TreeUsage | None = None
    everyone_done = asyncio.Event()
    done = 0
    limits = httpx.Limits(max_connections=len(accounts) + 10)
    async with httpx.AsyncClient(timeout=STEP_TIMEOUT_SECONDS, limits=limits) as http:

        async def linger() -> None:
            nonlocal done, all_open
            done += 1
            if done == len(accounts):
                if server_pid is not None:
                    all_open = await asyncio.to_thread(tree_usage, server_pid)
                everyone_done.set()
            await everyone_done.wait()

        async def user(number: int, account: Account) -> UserRun:
            await asyncio.sleep(number * (spread_seconds or 0) / len(accounts))
            return await simulate_user(
                account,
                events,
                app_url,
                http,
                sandbox_key,
                linger=None if spread_seconds is None else linger,
            )

        async def watch_memory() -> None:
            nonlocal peak_rss
            while server_pid is not None:
                usage = await asyncio.to_thread(tree_usage, server_pid)
                peak_rss = max(peak_rss, usage.rss_bytes)
                await asyncio.sleep(0.5)

        watcher = asyncio.create_task(watch_memory())
        started = time.perf_counter()
        try:
            if spread_seconds is None:
                runs = [await user(0, account) for account in accounts]
            else:
                runs = await asyncio.gather(*(user(n, a) for n, a in enumerate(accounts)))
        finally:
            watcher.cancel()
    return LoadRun(
        runs=list(runs),
        wall_seconds=max(r.finished for r in runs) - started,
        peak_rss_bytes=peak_rss,
        all_open=all_open,
        client_cpu_seconds=time.process_time() - client_cpu,
    )


# -- the scenario ------------------------------------------------------------------


@dataclass
class Crowd:
    """The simulated users of one running app: accounts made up front, handed out in
    order, so each user signs in as someone new."""

    app: RunningApp
    events: PageEvents
    sandbox_api_key: str
    accounts: Iterator[Account]

    @classmethod
    def of(cls, app: RunningApp, users: int) -> Crowd:
        settings = Settings.from_environment(app.env)
        accounts = create_accounts(
            app.database_url, settings.secret_key, WARM_UP_USERS + SOLO_USERS + 2 * users
        )
        return cls(
            app,
            PageEvents.from_build(PROJECT_ROOT / WEB_WORKDIR),
            settings.sandbox_api_key,
            iter(accounts),
        )

    def run(self, count: int, spread_seconds: float | None, pid: int | None) -> LoadRun:
        return asyncio.run(
            run_users(
                [next(self.accounts) for _ in range(count)],
                self.events,
                self.app.url,
                self.sandbox_api_key,
                spread_seconds=spread_seconds,
                server_pid=pid,
            )
        )

    def alone(self) -> LoadRun:
        """Warmed up, then SOLO_USERS one after another: the baseline."""
        self.run(WARM_UP_USERS, None, None)
        settle()
        alone = self.run(SOLO_USERS, None, None)
        settle()
        if len(alone.ok_runs()) < SOLO_USERS:
            failures = [r.failure for r in alone.runs if not r.ok]
            raise RuntimeError(f"a user alone failed, so the load means nothing: {failures}")
        return alone


def run(quick: bool) -> ScenarioResult:
    users = QUICK_USERS if quick else USERS
    spread = QUICK_ARRIVAL_SECONDS if quick else ARRIVAL_SECONDS
    work_dir = Path(tempfile.mkdtemp(prefix="bench-many-users-"))
    app = start_app(work_dir, web_workdir=WEB_WORKDIR)
    try:
        crowd = Crowd.of(app, users)
        solo_cpu_before = tree_usage(app.pid).cpu_seconds
        alone = crowd.alone()
        before = tree_usage(app.pid)
        solo_cpu_per_user = (before.cpu_seconds - solo_cpu_before) / SOLO_USERS
        worker = backend_worker(app.pid)

        def profiled(name: str, spread_seconds: float) -> tuple[LoadRun, Profile, str]:
            """A load under py-spy, and how the event loop's thread spent it."""
            profile = Profile(worker, work_dir / f"profile-{name}.txt", PROFILE_RATE)
            loop_before, started = thread_times(worker), time.perf_counter()
            try:
                load = crowd.run(users, spread_seconds, app.pid)
            finally:
                profile.stop()
            loop = thread_times(worker) - loop_before
            elapsed = time.perf_counter() - started
            return (
                load,
                profile,
                f"The event loop's thread during the {name} load ({elapsed:.0f} s): on a CPU "
                f"{loop.on_cpu:.1f} s, runnable but waiting for a CPU {loop.waiting_for_cpu:.1f} s "
                f"(other processes on the machine had it), asleep (idle, or blocked on I/O or "
                f"a lock) {elapsed - loop.on_cpu - loop.waiting_for_cpu:.1f} s.",
            )

        paced, profile, paced_loop = profiled("paced", spread)
        settle()  # the sandbox's webhooks for the last users arrive after their flows
        after = tree_usage(app.pid)
        burst, burst_profile, burst_loop = profiled("burst", 0.0)
        settle()
        after_burst = tree_usage(app.pid)

        stacks, burst_stacks = profile.stacks(), burst_profile.stacks()
        result = figures(users, spread, crowd.events, alone, paced, burst, before, after)
        result.figures.append(
            Figure(
                "server CPU time per user (paced)",
                (after.cpu_seconds - before.cpu_seconds) / users * 1000,
                "ms",
                baseline=solo_cpu_per_user * 1000,
            )
        )
        result.notes.append(
            f"After the burst too ({2 * users + SOLO_USERS + WARM_UP_USERS} users so far, all "
            f"pages closed): RSS {after_burst.rss_bytes / MIB:.0f} MB, PSS "
            f"{after_burst.pss_bytes / MIB:.0f} MB; server CPU per burst user "
            f"{(after_burst.cpu_seconds - after.cpu_seconds) / users * 1000:.0f} ms."
        )
        result.notes += [paced_loop, burst_loop]
        result.notes += profile_notes("paced", profile, stacks)
        result.notes += profile_notes("burst", burst_profile, burst_stacks, short=True)
        result.biggest_cost = biggest_cost(stacks, burst_stacks, users)
    except BaseException:
        print(f"many_users: the app's log is in {app.log_path}", flush=True)
        raise
    finally:
        app.stop()
    shutil.rmtree(work_dir, ignore_errors=True)
    on_postgres(users, spread, result)
    return result


def on_postgres(users: int, spread: float, result: ScenarioResult) -> None:
    """The same users (without the profiler) against an app on PostgreSQL, when the
    benchmark has one (BENCH_POSTGRES_URL or TEST_POSTGRES_URL): every user must
    succeed there too; each step's p99, paced and at once, against a user alone."""
    base = postgres_base_url()
    if base is None:
        result.notes.append(
            "No PostgreSQL run: set BENCH_POSTGRES_URL (or TEST_POSTGRES_URL) for one."
        )
        return
    work_dir = Path(tempfile.mkdtemp(prefix="bench-many-users-postgresql-"))
    with postgres_schema_url(base) as database_url:
        app = start_app(work_dir, {"REFLEX_DB_URL": database_url}, web_workdir=WEB_WORKDIR)
        try:
            crowd = Crowd.of(app, users)
            alone = crowd.alone()
            paced = crowd.run(users, spread, app.pid)
            settle()
            burst = crowd.run(users, 0.0, app.pid)
            settle()
        except BaseException:
            print(f"many_users (PostgreSQL): the app's log is in {app.log_path}", flush=True)
            raise
        finally:
            app.stop()
    shutil.rmtree(work_dir, ignore_errors=True)
    solo = solo_medians(alone)
    for load, label in ((paced, f"starting over {spread:.0f} s"), (burst, "starting at once")):
        succeeded = len(load.ok_runs())
        result.figures.append(
            Figure(
                f"users succeeded, {users} {label} (PostgreSQL)",
                succeeded,
                "count",
                target=f"all {users}",
                met=succeeded == users,
            )
        )
        short = "" if load is paced else ", at once"
        for step, step_label in STEPS:
            result.figures.append(
                Figure(
                    f"{step_label} p99 (PostgreSQL{short})",
                    percentile(step_values(load.ok_runs(), step), 99),
                    "ms",
                    baseline=solo[step],
                )
            )
        result.notes += failure_notes(load, f"PostgreSQL, {label}")
    result.notes.append(
        "PostgreSQL: the same server on a fresh schema of the benchmark's database, without "
        f"the profiler; {users} users starting over {spread:.0f} s took "
        f"{paced.wall_seconds:.1f} s, {users} at once {burst.wall_seconds:.1f} s."
    )


def settle() -> None:
    # Work the users set off continues after their last delta (webhook delivery and
    # its Kombo look-up): give it a moment before reading the server's figures.
    time.sleep(3)


# -- figures -----------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between the closest ranks (numpy's default)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def step_values(runs: list[UserRun], step: str) -> list[float]:
    return [getattr(r, f"{step}_ms") for r in runs if getattr(r, f"{step}_ms") is not None]


STEPS = (
    ("load", "load (hydrate + on_load -> cards)"),
    ("init", "init (Connect -> link)"),
    ("activation", "activation (success event -> connected card)"),
)


def figures(
    users: int,
    spread: float,
    events: PageEvents,
    alone: LoadRun,
    paced: LoadRun,
    burst: LoadRun,
    before: TreeUsage,
    after: TreeUsage,
) -> ScenarioResult:
    result = ScenarioResult(
        name="4. Many users",
        baseline=(
            f"the same steps for 1 user alone (median of {SOLO_USERS} users one after another "
            "on the same server, right before the load); ratio = value under load / that "
            "median. Memory: ratio against the server's RSS before the load"
        ),
    )
    add = result.figures.append
    solo = solo_medians(alone)
    for load, label in ((paced, f"starting over {spread:.0f} s"), (burst, "starting at once")):
        succeeded = len(load.ok_runs())
        add(
            Figure(
                f"users succeeded, {users} {label}",
                succeeded,
                "count",
                target=f"all {users}",
                met=succeeded == users,
            )
        )
        add(
            Figure(
                f"wall time, {users} users {label}",
                load.wall_seconds,
                "s",
                target=f"within {WALL_TARGET_SECONDS:.0f} s",
                met=load.wall_seconds <= WALL_TARGET_SECONDS,
            )
        )
        short = "" if load is paced else " (at once)"
        for step, step_label in STEPS:
            values = step_values(load.ok_runs(), step)
            if load is paced:
                add(Figure(f"{step_label} p50", percentile(values, 50), "ms", baseline=solo[step]))
            add(
                Figure(
                    f"{step_label} p99{short}", percentile(values, 99), "ms", baseline=solo[step]
                )
            )
    add(Figure("server RSS before the load", before.rss_bytes / MIB, "MB"))
    if paced.all_open is not None:
        add(
            Figure(
                f"server RSS with all {users} pages open",
                paced.all_open.rss_bytes / MIB,
                "MB",
                baseline=before.rss_bytes / MIB,
            )
        )
    add(
        Figure(
            "server RSS after the load (pages closed)",
            after.rss_bytes / MIB,
            "MB",
            baseline=before.rss_bytes / MIB,
        )
    )
    flows = step_values(paced.ok_runs(), "flow")
    ticks = sum(r.ticks for r in paced.runs)
    result.notes += [
        f"Server: `python -m kombo_portal serve` (production single-port build, one granian "
        f"worker, SQLite), sandbox mode; {after.processes} processes. RSS is summed over them "
        f"(pages shared after fork count twice); PSS before / after: "
        f"{before.pss_bytes / MIB:.0f} / {after.pss_bytes / MIB:.0f} MB; peak RSS sampled "
        f"during the paced load {paced.peak_rss_bytes / MIB:.0f} MB.",
        f"Event names read from the build: {events.connect.rpartition('.')[2]}"
        f"({events.connect_argument}), {events.succeeded.rpartition('.')[2]}"
        f"({events.succeeded_argument}), {events.refresh.rpartition('.')[2]}() every "
        f"{events.tick_seconds:g} s (the page's Ticker), "
        f"{events.hydrate.rpartition('.')[2]} in the socket.io CONNECT packet with the build's "
        "initialStateHashes; deltas for the page come under "
        f"`{events.state.rpartition('.')[2]}`.",
        f"Pages stay open, ticking, until the last user is done: {ticks} refresh events "
        f"under the paced load ({ticks / max(paced.wall_seconds, 1e-9):.0f}/s).",
        "Finishing the Kombo flow (the sandbox control endpoint, served by the same process: "
        f"Kombo's part in production) took p50 {percentile(flows, 50):.0f} ms, "
        f"p99 {percentile(flows, 99):.0f} ms; it is in no step's figure.",
        f"The simulated users run in one Python process on the same two cores and used "
        f"{paced.client_cpu_seconds:.1f} s of CPU during the paced load (server: "
        f"{after.cpu_seconds - before.cpu_seconds:.1f} s).",
    ]
    for load, name in ((paced, "paced"), (burst, "burst")):
        result.notes += failure_notes(load, name)
    return result


def solo_medians(alone: LoadRun) -> dict[str, float]:
    """Each step's median for a user alone: the baseline of the load's figures."""
    return {step: statistics.median(step_values(alone.runs, step)) for step, _ in STEPS}


def failure_notes(load: LoadRun, name: str) -> list[str]:
    """Why users of a load failed, counted by reason (none: no note)."""
    failures = Counter(r.failure for r in load.runs if not r.ok)
    if not failures:
        return []
    reasons = "; ".join(f"{count} x {reason}" for reason, count in failures.items())
    return [f"Failures ({name}): {reasons}"]


def biggest_cost(
    paced: Counter[tuple[str, ...]], burst: Counter[tuple[str, ...]], users: int
) -> str:
    loop, crowd = loop_shares(paced), loop_shares(burst)
    if not loop.total or not crowd.total:
        return "no profile of the event loop (is py-spy installed in .venv?); see the figures"
    busy = busy_stacks(paced)
    busy_total = sum(busy.values()) or 1
    libraries = dict(by_library(busy))
    functions = dict(ranking(busy, inclusive=True, top=200))

    def share(count: int, total: int) -> str:
        return f"{count * 100 / total:.0f}%"

    def function_share(name: str) -> str:
        count = next((n for function, n in functions.items() if function.startswith(name)), 0)
        return share(count, busy_total)

    sql = libraries.get("SQL (SQLAlchemy, sqlite3)", 0)
    return (
        "the database work per event, in the worker's threads: SQLAlchemy and sqlite3 are "
        f"{share(sql, busy_total)} of the worker's busy samples under the paced load (Reflex: "
        f"{share(libraries.get('Reflex (events, state, deltas)', 0), busy_total)}); the "
        "session check that starts every event, the 1.5 s refresh ticker's included, is "
        f"{function_share('resolve_session')} of them. The event loop itself no longer runs "
        f"SQL ({share(loop.sql, loop.total)} of its samples; idle "
        f"{share(loop.waiting, loop.total)}); with the {users} users at once it is idle "
        f"{share(crowd.waiting, crowd.total)}, the rest waiting for the GIL the database "
        "threads hold, so SQLite's single writer and the ORM's Python set the burst's tail "
        "(py-spy --idle on the worker)."
    )


def profile_notes(
    name: str, profile: Profile, stacks: Counter[tuple[str, ...]], *, short: bool = False
) -> list[str]:
    if not stacks:
        return [f"Profile ({name}): {profile.error or 'py-spy recorded nothing'}"]
    busy = busy_stacks(stacks)
    total = sum(busy.values()) or 1
    loop = loop_shares(stacks)
    loop_total = loop.total or 1

    def listing(rows: list[tuple[str, int]], of: int) -> str:
        return "; ".join(f"{function} {count * 100 / of:.0f}%" for function, count in rows)

    notes = [
        f"Worker profile ({name}, py-spy at {PROFILE_RATE}/s): the event loop's thread "
        f"idle {loop.waiting * 100 / loop_total:.0f}%, in SQL {loop.sql * 100 / loop_total:.0f}% "
        f"(write-lock wait {loop.sql_begin * 100 / loop_total:.0f}%, commit "
        f"{loop.sql_commit * 100 / loop_total:.0f}%). All threads' busy samples ({total}) "
        "by library: " + listing(by_library(busy), total) + "."
    ]
    if not short:
        notes += [
            "Inclusive (share of busy samples with the function on the stack): "
            + listing(ranking(busy, inclusive=True, top=12), total),
            "Self (share of busy samples at the top of the stack): "
            + listing(ranking(busy, inclusive=False, top=8), total),
        ]
    return notes
