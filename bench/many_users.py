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

The pages stay open until the last user is done, so at the end all of them are on the
server at once. (A build whose page still polls with a ticker is simulated ticking.)

The users start evenly over 50 s (4 a second; quick: 20 users over 5 s), then as many
again all at once, to show the headroom. The baseline is the same user alone: a few
users one after the other on the same server, right before the load. On SQLite,
profiled; then, with PostgreSQL (BENCH_POSTGRES_URL or TEST_POSTGRES_URL), the same
again on a fresh schema there, without the profiler.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.accounts import NO_POSTGRES, Admin, create_admins, postgres_base_url
from bench.many_users_profile import biggest_cost, profile_notes
from bench.many_users_socket import ReflexSocket, SocketClosed
from bench.processes import TreeUsage, backend_worker, thread_times, tree_usage
from bench.profiler import Recording, recording
from bench.result import Figure, ScenarioResult
from bench.stats import median, percentile
from harness.app_server import RunningApp, start_app
from harness.postgres import postgres_schema_url
from kombo_portal.config import PROJECT_ROOT, Settings
from kombo_portal.cookies import SESSION_COOKIE
from kombo_portal.paths import SANDBOX_MOUNT_PATH

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
BURST_P99_MS = 1500.0
BURST_P99_TARGET = "≤ 1.5 s"
WEB_WORKDIR = ".web-bench-users"
PAGE_PATH = "/settings/integrations"
CATEGORY = "HRIS"
# Nobody signs in with it (sessions are made directly), but every user needs one.
PASSWORD = "many-users-bench-password"  # noqa: S105
# py-spy's samples a second: enough for a ranking over a minute, light on two cores.
PROFILE_RATE = 50
MIB = 1024 * 1024
STEPS = (
    ("load", "load (hydrate + on_load -> cards)"),
    ("init", "init (Connect -> link)"),
    ("activation", "activation (success event -> connected card)"),
)


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
        page = "\n".join(
            source.read_text()
            for folder in ("app_components", "app")
            for source in sorted((web_workdir / folder).rglob("*.jsx"))
            if "connect_succeeded" in source.read_text()
        )

        def found(pattern: str, text: str, what: str) -> str:
            if match := re.search(pattern, text):
                return match.group(1)
            raise RuntimeError(f"not found in the build in {web_workdir}: {what}")

        def handler(name: str) -> tuple[str, str]:
            pattern = rf'ReflexEvent\("([\w.]+\.{name})", \(\{{ ?(?:\["(\w+)"\])?'
            if match := re.search(pattern, page):
                return match.group(1), match.group(2) or ""
            raise RuntimeError(f"not found in the build in {web_workdir}: {name}")

        connect, connect_argument = handler("connect")
        succeeded, succeeded_argument = handler("connect_succeeded")
        # Builds before changes were pushed polled with a Ticker; today's has none.
        ticker = re.search(r"jsx\(Ticker,\{.*?interval:(\d+)", page)
        tick = ticker.group(1) if ticker else "0"
        return cls(
            hydrate=found(r"ReflexEvent\('([\w.]+\.hydrate_and_load)'", context, "hydrate"),
            hashes=json.loads(found(r"initialStateHashes = (\[[^\]]*\])", context, "hashes")),
            state_schema=found(r'stateSchema = "(\w+)"', context, "stateSchema"),
            connect=connect,
            connect_argument=connect_argument,
            succeeded=succeeded,
            succeeded_argument=succeeded_argument,
            refresh=handler("refresh")[0],
            tick_seconds=int(tick) / 1000,
            state=connect.rpartition(".")[0],
            protocol=json.loads((web_workdir / "reflex.json").read_text())["version"],
        )


def event(name: str, payload: dict[str, Any]) -> dict[str, Any]:
    # withRouterData in state.js: the path, and the query only when there is one.
    router_data = {"pathname": PAGE_PATH, "asPath": PAGE_PATH}
    return {"name": name, "payload": payload, "router_data": router_data}


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
            for sent in update.get("events") or []:
                if sent.get("name") == "_redirect":  # e.g. to the sign-in page
                    raise UserFailed(f"{what}: sent to {(sent.get('payload') or {}).get('path')}")
            if self.get("error"):
                raise UserFailed(f"{what}: the page says {self.get('error')!r}")


async def simulate_user(
    admin: Admin,
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
        hydrate = event(events.hydrate, {"hashes": events.hashes})
        socket = await ReflexSocket.connect(
            app_url,
            query={"token": str(uuid.uuid4())},  # a new tab's token
            headers={"Cookie": f"{SESSION_COOKIE}={admin.session_token}", "Origin": app_url},
            auth={"event": hydrate, "state_schema": events.state_schema},
            subprotocols=[events.protocol],
            timeout=STEP_TIMEOUT_SECONDS,
        )
        page = Page(socket, events.state)
        ticker = asyncio.create_task(tick(socket, events, run))
        await page.until(lambda p: bool(p.get("cards")), "load")
        run.load_ms = (time.perf_counter() - run.started) * 1000

        # 2. init: "Connect HRIS" until the link arrives.
        sent = time.perf_counter()
        await socket.emit_event(event(events.connect, {events.connect_argument: CATEGORY}))
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
        succeeded = event(events.succeeded, {events.succeeded_argument: activation_token})
        await socket.emit_event(succeeded)
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


async def tick(socket: ReflexSocket, events: PageEvents, run: UserRun) -> None:
    """The page's Ticker, in a build that has one: the refresh event every interval."""
    while events.tick_seconds > 0 and not socket.closed:
        await asyncio.sleep(events.tick_seconds)
        try:
            await socket.emit_event(event(events.refresh, {}))
        except (SocketClosed, OSError):
            return  # the tab is closing
        run.ticks += 1


# -- the users together ----------------------------------------------------------------


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

    def values(self, step: str) -> list[float]:
        """A step's times (ms) of the users who got that far."""
        return [v for r in self.runs if (v := getattr(r, f"{step}_ms")) is not None and r.ok]

    def failure_notes(self, name: str) -> list[str]:
        """Why users failed, counted by reason (none: no note)."""
        failures = Counter(r.failure for r in self.runs if not r.ok)
        reasons = "; ".join(f"{count} x {reason}" for reason, count in failures.items())
        return [f"Failures ({name}): {reasons}"] if failures else []


async def run_users(
    admins: list[Admin],
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
    limits = httpx.Limits(max_connections=len(admins) + 10)
    async with httpx.AsyncClient(timeout=STEP_TIMEOUT_SECONDS, limits=limits) as http:

        async def linger() -> None:
            nonlocal done, all_open
            done += 1
            if done == len(admins):
                if server_pid is not None:
                    all_open = await asyncio.to_thread(tree_usage, server_pid)
                everyone_done.set()
            await everyone_done.wait()

        async def user(number: int, admin: Admin) -> UserRun:
            await asyncio.sleep(number * (spread_seconds or 0) / len(admins))
            stays = None if spread_seconds is None else linger
            return await simulate_user(admin, events, app_url, http, sandbox_key, stays)

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
                runs = [await user(0, admin) for admin in admins]
            else:
                runs = await asyncio.gather(*(user(n, a) for n, a in enumerate(admins)))
        finally:
            watcher.cancel()
    return LoadRun(
        runs=list(runs),
        wall_seconds=max(r.finished for r in runs) - started,
        peak_rss_bytes=peak_rss,
        all_open=all_open,
        client_cpu_seconds=time.process_time() - client_cpu,
    )


def settle() -> None:
    # Work the users set off continues after their last delta (webhook delivery and
    # its Kombo look-up): give it a moment before reading the server's figures.
    time.sleep(3)


@dataclass
class Measured:
    """One app's loads: the users alone, then paced, then at once."""

    events: PageEvents
    alone: LoadRun
    paced: LoadRun
    burst: LoadRun
    solo_cpu_per_user: float
    # The server's processes before the paced load, after it, and after the burst.
    before: TreeUsage
    after: TreeUsage
    after_burst: TreeUsage
    loop_notes: list[str] = field(default_factory=list)
    profiles: dict[str, Recording] = field(default_factory=dict)

    def loads(self, spread: float) -> tuple[tuple[LoadRun, str], ...]:
        return (self.paced, f"starting over {spread:.0f} s"), (self.burst, "starting at once")

    def solo_medians(self) -> dict[str, float]:
        """Each step's median for a user alone: the baseline of the load's figures."""
        return {step: median(self.alone.values(step)) for step, _ in STEPS}


def measure(app: RunningApp, users: int, spread: float, profile_dir: Path | None) -> Measured:
    """Users alone, then `users` paced over `spread` s, then as many at once; with
    `profile_dir`, py-spy on the backend worker during the two loads."""
    settings = Settings.from_environment(app.env)
    admins = iter(create_admins(app, WARM_UP_USERS + SOLO_USERS + 2 * users, PASSWORD))
    events = PageEvents.from_build(PROJECT_ROOT / WEB_WORKDIR)

    def run(count: int, spread: float | None, pid: int | None = None) -> LoadRun:
        batch = [next(admins) for _ in range(count)]
        key = settings.sandbox.api_key
        return asyncio.run(
            run_users(batch, events, app.url, key, spread_seconds=spread, server_pid=pid)
        )

    solo_cpu = tree_usage(app.pid).cpu_seconds  # the warm-up's included, as it always was
    run(WARM_UP_USERS, None)
    settle()
    alone = run(SOLO_USERS, None)
    settle()
    if len(alone.ok_runs()) < SOLO_USERS:
        failures = [r.failure for r in alone.runs if not r.ok]
        raise RuntimeError(f"a user alone failed, so the load means nothing: {failures}")
    before = tree_usage(app.pid)
    worker = backend_worker(app.pid)

    def profiled(name: str) -> AbstractContextManager[Recording | None]:
        if profile_dir is None:
            return nullcontext()
        # --nonblocking: the server is not paused for each sample. --idle: time the event
        # loop spends blocked (a lock, a sync to disk) stalls every websocket all the same.
        output = profile_dir / f"profile-{name}.txt"
        flags = ("--nonblocking", "--idle")
        return recording(worker, output, rate=PROFILE_RATE, flags=flags, attach_seconds=0)

    loads, usage, profiles, loop_notes = {}, {}, {}, []
    for name, spread_seconds in (("paced", spread), ("burst", 0.0)):
        loop_before, started = thread_times(worker), time.perf_counter()
        with profiled(name) as profile:
            loads[name] = run(users, spread_seconds, app.pid)
        if profile is not None:
            profiles[name] = profile
        loop = thread_times(worker) - loop_before
        elapsed = time.perf_counter() - started
        loop_notes.append(
            f"The event loop's thread during the {name} load ({elapsed:.0f} s): on a CPU "
            f"{loop.on_cpu:.1f} s, runnable but waiting for a CPU {loop.waiting_for_cpu:.1f} s "
            f"(other processes on the machine had it), asleep (idle, or blocked on I/O or "
            f"a lock) {elapsed - loop.on_cpu - loop.waiting_for_cpu:.1f} s."
        )
        settle()  # the sandbox's webhooks for the last users arrive after their flows
        usage[name] = tree_usage(app.pid)
    return Measured(
        events=events,
        alone=alone,
        paced=loads["paced"],
        burst=loads["burst"],
        solo_cpu_per_user=(before.cpu_seconds - solo_cpu) / SOLO_USERS,
        before=before,
        after=usage["paced"],
        after_burst=usage["burst"],
        loop_notes=loop_notes,
        profiles=profiles,
    )


def measured_app(
    users: int, spread: float, settings: dict[str, str], *, profiled: bool, label: str
) -> Measured:
    work_dir = Path(tempfile.mkdtemp(prefix="bench-many-users-"))
    app = start_app(work_dir, settings, web_workdir=WEB_WORKDIR)
    try:
        measured = measure(app, users, spread, work_dir if profiled else None)
    except BaseException:
        print(f"many_users ({label}): the app's log is in {app.log_path}", flush=True)
        raise
    finally:
        app.stop()
    shutil.rmtree(work_dir, ignore_errors=True)
    return measured


# -- figures -----------------------------------------------------------------------


def load_figures(users: int, spread: float, measured: Measured, database: str = "") -> list[Figure]:
    """Users succeeded and each step's p99 against a user alone, paced and at once; on
    the main run (no `database` named) also the wall time and the paced p50s."""
    figures = []
    solo = measured.solo_medians()
    for load, how in measured.loads(spread):
        at_once = load is measured.burst
        succeeded = len(load.ok_runs())
        named = f" ({database})" if database else ""
        name = f"users succeeded, {users} {how}{named}"
        figures.append(Figure(name, succeeded, "count", None, f"all {users}", succeeded == users))
        if not database:
            name, wall = f"wall time, {users} users {how}", load.wall_seconds
            limit = WALL_TARGET_SECONDS
            figures.append(Figure(name, wall, "s", None, f"within {limit:.0f} s", wall <= limit))
        qualifiers = ", ".join(q for q in (database, "at once" if at_once else "") if q)
        suffix = f" ({qualifiers})" if qualifiers else ""
        quantiles = (50, 99) if not qualifiers else (99,)
        for step, label in STEPS:
            for q in quantiles:
                value = percentile(load.values(step), q)
                name = f"{label} p{q}{suffix}"
                # The target for the users at once: every step's p99.
                target, met = (BURST_P99_TARGET, value <= BURST_P99_MS) if at_once else ("", None)
                figures.append(Figure(name, value, "ms", solo[step], target, met))
    return figures


def sqlite_result(users: int, spread: float, measured: Measured) -> ScenarioResult:
    paced, before, after = measured.paced, measured.before, measured.after
    result = ScenarioResult(
        name="4. Many users",
        baseline=(
            f"the same steps for 1 user alone (median of {SOLO_USERS} users one after another "
            "on the same server, right before the load); ratio = value under load / that "
            "median. Memory: ratio against the server's RSS before the load"
        ),
        figures=load_figures(users, spread, measured),
    )
    rss_before = before.rss_bytes / MIB
    result.figures.append(Figure("server RSS before the load", rss_before, "MB"))
    if paced.all_open is not None:
        name = f"server RSS with all {users} pages open"
        result.figures.append(Figure(name, paced.all_open.rss_bytes / MIB, "MB", rss_before))
    cpu_per_user = (after.cpu_seconds - before.cpu_seconds) / users
    solo_cpu = measured.solo_cpu_per_user
    result.figures += [
        Figure("server RSS after the load (pages closed)", after.rss_bytes / MIB, "MB", rss_before),
        Figure("server CPU time per user (paced)", cpu_per_user * 1000, "ms", solo_cpu * 1000),
    ]
    events, flows = measured.events, paced.values("flow")
    ticks = sum(r.ticks for r in paced.runs)
    short = {
        name: getattr(events, name).rpartition(".")[2]
        for name in ("connect", "succeeded", "refresh", "hydrate", "state")
    }
    after_burst = measured.after_burst
    result.notes += [
        f"Server: `python -m kombo_portal serve` (production single-port build, one granian "
        f"worker, SQLite), sandbox mode; {after.processes} processes. RSS is summed over them "
        f"(pages shared after fork count twice); PSS before / after: "
        f"{before.pss_bytes / MIB:.0f} / {after.pss_bytes / MIB:.0f} MB; peak RSS sampled "
        f"during the paced load {paced.peak_rss_bytes / MIB:.0f} MB.",
        f"Event names read from the build: {short['connect']}({events.connect_argument}), "
        f"{short['succeeded']}({events.succeeded_argument}), {short['refresh']}() every "
        f"{events.tick_seconds:g} s (the page's Ticker; 0: none, changes are pushed), "
        f"{short['hydrate']} in the socket.io "
        "CONNECT packet with the build's initialStateHashes; deltas for the page come under "
        f"`{short['state']}`.",
        f"Pages stay open, ticking, until the last user is done: {ticks} refresh events "
        f"under the paced load ({ticks / max(paced.wall_seconds, 1e-9):.0f}/s).",
        "Finishing the Kombo flow (the sandbox control endpoint, served by the same process: "
        f"Kombo's part in production) took p50 {percentile(flows, 50):.0f} ms, "
        f"p99 {percentile(flows, 99):.0f} ms; it is in no step's figure.",
        f"The simulated users run in one Python process on the same two cores and used "
        f"{paced.client_cpu_seconds:.1f} s of CPU during the paced load (server: "
        f"{after.cpu_seconds - before.cpu_seconds:.1f} s).",
        *paced.failure_notes("paced"),
        *measured.burst.failure_notes("burst"),
        f"After the burst too ({2 * users + SOLO_USERS + WARM_UP_USERS} users so far, all "
        f"pages closed): RSS {after_burst.rss_bytes / MIB:.0f} MB, PSS "
        f"{after_burst.pss_bytes / MIB:.0f} MB; server CPU per burst user "
        f"{(after_burst.cpu_seconds - after.cpu_seconds) / users * 1000:.0f} ms.",
        *measured.loop_notes,
    ]
    if measured.profiles:
        paced_profile, burst_profile = measured.profiles["paced"], measured.profiles["burst"]
        result.notes += profile_notes("paced", PROFILE_RATE, paced_profile)
        result.notes += profile_notes("burst", PROFILE_RATE, burst_profile, short=True)
        result.biggest_cost = biggest_cost(paced_profile.stacks, burst_profile.stacks, users)
    return result


def run(quick: bool) -> ScenarioResult:
    users = QUICK_USERS if quick else USERS
    spread = QUICK_ARRIVAL_SECONDS if quick else ARRIVAL_SECONDS
    result = sqlite_result(
        users, spread, measured_app(users, spread, {}, profiled=True, label="SQLite")
    )
    base = postgres_base_url()
    if base is None:
        result.notes.append(f"No PostgreSQL run: {NO_POSTGRES} for one.")
        return result
    # The same users, without the profiler, against an app on a fresh schema there.
    with postgres_schema_url(base) as database_url:
        settings = {"REFLEX_DB_URL": database_url}
        measured = measured_app(users, spread, settings, profiled=False, label="PostgreSQL")
    result.figures += load_figures(users, spread, measured, "PostgreSQL")
    for load, how in measured.loads(spread):
        result.notes += load.failure_notes(f"PostgreSQL, {how}")
    result.notes.append(
        "PostgreSQL: the same server on a fresh schema of the benchmark's database, without "
        f"the profiler; {users} users starting over {spread:.0f} s took "
        f"{measured.paced.wall_seconds:.1f} s, {users} at once {measured.burst.wall_seconds:.1f} s."
    )
    return result
