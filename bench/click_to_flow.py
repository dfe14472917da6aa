"""2. Click to flow: from clicking "Connect HRIS" to Kombo Connect's flow on screen, and
from the flow's success message to the card showing the integration.

Headless Chromium against the production build (`python -m kombo_portal serve`, sandbox
mode). The baseline, in the same run and the same browser, is bench/click_to_flow_baseline.py:
a static page whose button fetches a link from a bare Starlette route that calls the
same sandbox, then calls the same `showKomboConnect`.

Every time is taken inside the browser, by a script Playwright adds to every frame
before the page's own (no Python round trip is inside a measured interval): the click
in a capture listener on the window, before any of the page's handlers; the flow
visible when, inside its iframe, the first control the user acts on has a non-zero
box and passes `checkVisibility()`, stamped at the next animation frame (the one that
paints it); success when the page receives the flow's `{"type": "success"}` message;
the card when `[data-category="HRIS"]` contains the tool's label and is visible, again
at the next animation frame. Times are `performance.timeOrigin + performance.now()`.
The pages are opened at `localhost`, the host the sandbox's flow links use, so the
portal's iframe is same-origin and the baseline's same-site: each page and its iframe
share one renderer process and one clock.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, BrowserContext, Page, expect

from bench.accounts import create_admins
from bench.browser import chromium, self_time, sign_in, start_cpu_profile, stop_cpu_profile
from bench.profiler import Stacks, name_of, recording, short_frame
from bench.result import Figure, ScenarioResult
from bench.stats import means, median, medians, percentile
from harness.app_server import start_app
from harness.kombo_connect_package import kombo_connect_umd
from harness.processes import free_port, serving
from kombo_portal.paths import SANDBOX_MOUNT_PATH

NAME = "2. Click to flow"
# A build folder of its own, so that a running `make run` or test suite is left alone.
WEB_WORKDIR = ".web-bench-ui"
RUNS_FULL = 30
RUNS_QUICK = 5
# Clicks sampled with py-spy after the measured ones, to see where the server's time goes.
PROFILED_FULL = 8
PROFILED_QUICK = 3
CATEGORY = "HRIS"
TOOL = "Personio"  # a tool of the sandbox's HRIS catalogue; its label is what the card shows
PASSWORD = "bench password, long enough"  # noqa: S105 (throwaway accounts)
MARK_TIMEOUT_SECONDS = 30
# After the page is ready and before the click: lets the load's own work (images, the
# first refresh) finish, the same pause for the portal and the baseline.
SETTLE_MILLISECONDS = 300
TARGET_RATIO = 1.5
TARGET_MS = 300.0
# The portal's event handlers of the two intervals, as py-spy names their frames. The
# click's work runs under _open_flow: the sign-in guard's session check, then
# _open_flow_signed_in; the guard's own wrapper frames are passed over.
CLICK_HANDLER = "IntegrationsState._open_flow"
GUARD_FRAMES = "kombo_portal/state/guard.py"
SUCCESS_HANDLER = "IntegrationsState.connect_succeeded"
PROFILE_RATE = 200  # samples a second: enough for a few clicks, little load on the machine

INSTRUMENT = r"""
(() => {
  const at = () => performance.timeOrigin + performance.now();
  const marked = new Set();
  const waiting = new Set();
  function mark(name, extra) {
    if (marked.has(name)) return;
    marked.add(name);
    const t = at();
    window.__benchMark(name, t, extra || null);
  }
  const done = (name) => marked.has(name) || waiting.has(name);
  // Stamp at the next animation frame: the frame that paints what was just found.
  function markPainted(name, extra) {
    if (done(name)) return;
    waiting.add(name);
    requestAnimationFrame(() => mark(name, typeof extra === "function" ? extra() : extra));
  }
  // Reads layout, so only called once the cheap tests have passed: forcing a layout
  // on every change of the page would slow the page down.
  function shown(element) {
    if (!element || !element.isConnected) return false;
    const box = element.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && element.checkVisibility();
  }
  function observe(check) {
    new MutationObserver(check).observe(document, {
      childList: true, subtree: true, characterData: true, attributes: true,
    });
    document.addEventListener("DOMContentLoaded", check);
    check();
  }

  if (window === window.top) {
    window.addEventListener("click", (event) => {
      const button = event.target instanceof Element && event.target.closest("button");
      if (button && button.textContent.trim() === "Connect __CATEGORY__") mark("click");
    }, true);
    // The library creates the flow's iframe and appends it in the same task, so this
    // is the moment showKomboConnect was called, whatever the page does afterwards.
    const createElement = Document.prototype.createElement;
    Document.prototype.createElement = function (name, ...rest) {
      if (String(name).toLowerCase() === "iframe") mark("iframe_created");
      return createElement.call(this, name, ...rest);
    };
    window.addEventListener("message", (event) => {
      if (event.data && event.data.type === "success") mark("success");
    }, true);
    observe(() => {
      // Recorded to check the iframe was on the page (attached, with a box) when its
      // content was painted; observers run late, so it is no phase boundary.
      if (!done("iframe_attached") && marked.has("iframe_created")) {
        if (shown(document.querySelector("iframe"))) mark("iframe_attached");
      }
      const label = window.__benchLabel;
      if (label && !done("card")) {
        const card = document.querySelector('[data-category="__CATEGORY__"]');
        if (card && card.textContent.includes(label) && shown(card)) markPainted("card");
      }
    });
    // The portal talks to its server over a websocket: keep when each message went
    // and came, to split the time between the browser and the server.
    const Native = window.WebSocket;
    const log = (window.__benchSocket = []);
    window.WebSocket = class extends Native {
      constructor(...args) {
        super(...args);
        this.addEventListener("message", (event) => {
          const data = typeof event.data === "string" ? event.data : "";
          const label = window.__benchLabel;
          log.push({
            direction: "in", t: at(), size: data.length,
            link: data.includes("/connect?token="), label: Boolean(label && data.includes(label)),
          });
        });
      }
      send(data) {
        log.push({direction: "out", t: at(), size: typeof data === "string" ? data.length : 0});
        return super.send(data);
      }
    };
  } else {
    observe(() => {
      if (done("flow_visible")) return;
      const first = document.querySelector(".tools button, input:not([type=hidden])");
      if (!shown(first)) return;
      markPainted("flow_visible", () => {
        const navigation = performance.getEntriesByType("navigation")[0];
        const origin = performance.timeOrigin;
        return {
          url: location.pathname,
          start: origin,
          response_end: navigation ? origin + navigation.responseEnd : null,
          resources: performance.getEntriesByType("resource").map((entry) => ({
            name: new URL(entry.name).pathname,
            start: origin + entry.startTime,
            end: origin + entry.responseEnd,
          })),
        };
      });
    });
  }
})();
""".replace("__CATEGORY__", CATEGORY)


@dataclass
class Run:
    """The marks of one click, in the browser's milliseconds since the epoch."""

    marks: dict[str, float] = field(default_factory=dict)
    extras: dict[str, dict[str, Any]] = field(default_factory=dict)
    socket: list[dict[str, Any]] = field(default_factory=list)
    resources: list[dict[str, Any]] = field(default_factory=list)
    # With the page's CPU profiler on: the click to the flow, the flow's last click to the card.
    cpu_profiles: list[dict[str, Any]] = field(default_factory=list)

    def between(self, first: str, last: str) -> float:
        return self.marks[last] - self.marks[first]


@contextmanager
def baseline_server(sandbox_api_url: str, log_path: Path) -> Iterator[str]:
    """bench/click_to_flow_baseline.py in a process of its own; yields its page's URL."""
    port = free_port()
    url = f"http://localhost:{port}"
    command = [sys.executable, "-m", "bench.click_to_flow_baseline", "--port", str(port)]
    command += ["--sandbox-api-url", sandbox_api_url, "--umd", str(kombo_connect_umd())]
    env = {**os.environ, "PORTAL_ENV_FILE": ""}

    def page_served() -> bool:
        return httpx.get(f"{url}/", timeout=2).status_code == 200

    with serving(command, log_path, page_served, what="the baseline server", env=env):
        yield url


def instrumented_context(browser: Browser, run: Run) -> BrowserContext:
    context = browser.new_context()

    def record(_source: object, name: str, at: float, extra: dict[str, Any] | None) -> None:
        run.marks.setdefault(name, at)  # a later page of the flow marks again: keep the first
        if extra is not None:
            run.extras.setdefault(name, extra)

    context.expose_binding("__benchMark", record)
    context.add_init_script(INSTRUMENT)
    return context


def wait_for_marks(page: Page, run: Run, *names: str) -> None:
    deadline = time.monotonic() + MARK_TIMEOUT_SECONDS
    while not all(name in run.marks for name in names):
        if time.monotonic() > deadline:
            missing = [name for name in names if name not in run.marks]
            raise TimeoutError(f"no {', '.join(missing)} within {MARK_TIMEOUT_SECONDS}s")
        page.wait_for_timeout(20)


def click_and_complete(page: Page, run: Run, profile: bool = False) -> None:
    """Click "Connect HRIS", wait for the flow, pick the tool, sign in, wait for the card.

    With `profile`, the page's JavaScript is sampled from just before the click to the
    flow being painted, and from just before the flow's last click (its form is sent,
    the success page loads) to the card.
    """
    connect = page.get_by_role("button", name=f"Connect {CATEGORY}")
    expect(connect).to_be_enabled(timeout=MARK_TIMEOUT_SECONDS * 1000)
    page.wait_for_timeout(SETTLE_MILLISECONDS)
    page.evaluate("label => { window.__benchLabel = label; }", TOOL)
    cdp = page.context.new_cdp_session(page) if profile else None
    if cdp:
        start_cpu_profile(cdp)
    connect.click()
    wait_for_marks(page, run, "click", "iframe_attached", "flow_visible")
    if cdp:
        run.cpu_profiles.append(stop_cpu_profile(cdp))
    flow = page.frame_locator("iframe")
    flow.get_by_role("button", name=TOOL).click()
    flow.get_by_label("Username").fill("hr-admin")
    flow.get_by_label("Password").fill("s3cret-password")
    if cdp:
        start_cpu_profile(cdp)
    flow.get_by_role("button", name="Connect").click()
    wait_for_marks(page, run, "success", "card")
    if cdp:
        run.cpu_profiles.append(stop_cpu_profile(cdp))
        cdp.detach()
    run.socket = page.evaluate("window.__benchSocket || []")
    run.resources = page.evaluate(
        """() => performance.getEntriesByType("resource").map(entry => ({
            name: new URL(entry.name).pathname,
            start: performance.timeOrigin + entry.startTime,
            end: performance.timeOrigin + entry.responseEnd,
            sandbox: (entry.serverTiming.find(t => t.name === "sandbox") || {}).duration,
        }))"""
    )


def one_click(browser: Browser, url: str, email: str = "", profile: bool = False) -> Run:
    """One click in a new browser context: on the portal signed in as `email`, else on
    the baseline's page at `url`."""
    run = Run()
    context = instrumented_context(browser, run)
    try:
        page = context.new_page()
        if email:
            sign_in(page, url, email, PASSWORD)
            heading = page.get_by_role("heading", name="Integrations", level=1)
            expect(heading).to_be_visible(timeout=MARK_TIMEOUT_SECONDS * 1000)
        else:
            page.goto(url)
        click_and_complete(page, run, profile)
    finally:
        context.close()
    return run


def _frame_phases(run: Run) -> dict[str, float]:
    """The flow page's own share, the same code for the portal and the baseline."""
    frame = run.extras["flow_visible"]
    css = next(r for r in frame["resources"] if r["name"].endswith("/flow.css"))
    return {
        "showKomboConnect → flow page's HTML in": frame["response_end"]
        - run.marks["iframe_created"],
        "HTML in → flow.css in": css["end"] - frame["response_end"],
        "flow.css in → first tool button painted": run.marks["flow_visible"] - css["end"],
    }


def portal_phases(run: Run) -> dict[str, float]:
    """Where one portal click's time went, from the websocket's messages."""
    click, success = run.marks["click"], run.marks["success"]

    def first(direction: str, after: float, flag: str | None = None) -> float:
        return next(
            m["t"]
            for m in run.socket
            if m["direction"] == direction and m["t"] >= after and (flag is None or m[flag])
        )

    sent = first("out", click)
    link = first("in", sent, "link")
    finish_sent = first("out", success)
    # The card's data: the success event's answer, or Kombo's integration-created
    # webhook pushed to the page before it (then this phase is negative).
    card_data = first("in", link, "label")
    return {
        "click → event sent": sent - click,
        "event sent → link in (server turn)": link - sent,
        "link in → showKomboConnect called (React)": run.marks["iframe_created"] - link,
        **_frame_phases(run),
        "success → event sent": finish_sent - success,
        "event sent → card data in (server turn, or pushed sooner)": card_data - finish_sent,
        "card data in → card painted (React)": run.marks["card"] - card_data,
    }


def baseline_phases(run: Run) -> dict[str, float]:
    click, success = run.marks["click"], run.marks["success"]
    link = next(r for r in run.resources if r["name"] == "/link")
    finish = next(r for r in run.resources if r["name"] == "/finish")
    return {
        "click → /link answered": link["end"] - click,
        "  of which the sandbox call": link["sandbox"],
        "/link answered → showKomboConnect called": run.marks["iframe_created"] - link["end"],
        **_frame_phases(run),
        "success → /finish answered": finish["end"] - success,
        "  of which the sandbox calls": finish["sandbox"],
        "/finish answered → card painted": run.marks["card"] - finish["end"],
    }


def describe(phases: dict[str, float]) -> str:
    return "; ".join(f"{name.strip()} {value:.0f} ms" for name, value in phases.items())


def hot_calls(stacks: Stacks, handler: str, clicks: int, top: int = 3) -> str:
    """Where the samples with `handler` on the stack were: the innermost portal frame and
    the call it was in, with milliseconds per click.

    A coroutine that awaits is off the stack, so this is the time the handler held its
    worker's event loop; what it awaited (the sandbox's own threads) is not in it.
    """
    calls: Counter[str] = Counter()
    for frames, count in stacks.items():
        handler_at = [i for i, frame in enumerate(frames) if name_of(frame) == handler]
        if not handler_at:
            continue
        below = frames[handler_at[-1] + 1 :]
        portal = [
            i
            for i, frame in enumerate(below)
            if "kombo_portal/" in frame and GUARD_FRAMES not in frame
        ]
        if not portal:
            calls["the handler's own line"] += count
            continue
        # The portal's call under the handler, then the innermost portal frame and the
        # library call it was in: "start_connect (connect.py:80) … transaction → commit".
        outer, inner = below[portal[0]], below[portal[-1]]
        callee = below[portal[-1] + 1] if portal[-1] + 1 < len(below) else "its own code"
        path = [outer] if outer == inner else [outer, "…", inner]
        calls[" ".join(map(short_frame, path)) + f" → {short_frame(callee)}"] += count
    total = sum(calls.values())
    if not total:
        return f"no samples of {handler}"
    per_click = 1000 / PROFILE_RATE / clicks
    parts = [
        f"{name}: {samples * per_click:.0f} ms a click ({samples / total:.0%})"
        for name, samples in calls.most_common(top)
    ]
    return f"{handler} on the event loop {total * per_click:.0f} ms a click; " + "; ".join(parts)


def hot_scripts(profiles: list[dict[str, Any]], origin: str) -> str:
    """Milliseconds of self time a click by the app's scripts, next to the browser's own
    work ("(program)": style, layout, paint, parsing) and the profiler's idle."""
    spent = means([self_time(profile, origin) for profile in profiles])
    return "; ".join(f"{name} {ms:.0f} ms" for name, ms in list(spent.items())[:6])


def run(quick: bool, progress: Callable[[str], None] = print) -> ScenarioResult:
    runs = RUNS_QUICK if quick else RUNS_FULL
    profiled_clicks = PROFILED_QUICK if quick else PROFILED_FULL
    with tempfile.TemporaryDirectory(prefix="bench-click-to-flow-") as folder:
        work = Path(folder)
        app = start_app(work, web_workdir=WEB_WORKDIR)
        try:
            # `localhost`: the host of the sandbox's flow links (see the module's docstring).
            base_url = f"http://localhost:{app.port}"
            # One more for the warm-up, and some for the profiled clicks.
            admins = create_admins(app, runs + 1 + profiled_clicks, PASSWORD)
            emails = [admin.email for admin in admins]
            sandbox_api_url = f"{base_url}{SANDBOX_MOUNT_PATH}/v1"
            with (
                baseline_server(sandbox_api_url, work / "baseline.log") as baseline_url,
                chromium() as browser,
            ):
                # One unmeasured click each: first requests pay for imports, caches
                # and connection set-up that no later click pays.
                one_click(browser, base_url, emails.pop())
                one_click(browser, baseline_url)
                portal: list[Run] = []
                baseline: list[Run] = []
                # Interleaved, so that a busy moment on the machine hits both.
                for index in range(runs):
                    portal.append(one_click(browser, base_url, emails.pop()))
                    baseline.append(one_click(browser, baseline_url))
                    progress(
                        f"   run {index + 1}/{runs}: click to flow portal "
                        f"{portal[-1].between('click', 'flow_visible'):.0f} ms, baseline "
                        f"{baseline[-1].between('click', 'flow_visible'):.0f} ms"
                    )
                # Apart from the measured clicks, since sampling costs CPU. --idle keeps
                # samples of a thread blocked in a system call (a disk sync, say), and
                # --nonblocking leaves the app running at full speed while it is read.
                flags = ("--subprocesses", "--idle", "--nonblocking")
                output = work / "py-spy.txt"
                with recording(app.pid, output, rate=PROFILE_RATE, flags=flags) as server:
                    profiled = [
                        one_click(browser, base_url, emails.pop(), profile=True)
                        for _ in range(profiled_clicks)
                    ]
                stacks = server.stacks
        finally:
            app.stop()
    profile = {
        "page click": hot_scripts([run.cpu_profiles[0] for run in profiled], base_url),
        "page success": hot_scripts([run.cpu_profiles[1] for run in profiled], base_url),
    }
    if stacks:
        profile["server click"] = hot_calls(stacks, CLICK_HANDLER, profiled_clicks)
        profile["server success"] = hot_calls(stacks, SUCCESS_HANDLER, profiled_clicks)
    else:
        profile["not sampled"] = server.error or "py-spy recorded nothing"
    return summarise(portal, baseline, profile, profiled_clicks)


def summarise(
    portal: list[Run], baseline: list[Run], profile: dict[str, str], profiled_clicks: int
) -> ScenarioResult:
    def times(runs: list[Run], first: str, last: str) -> list[float]:
        return [run.between(first, last) for run in runs]

    flow_portal = times(portal, "click", "flow_visible")
    flow_baseline = times(baseline, "click", "flow_visible")
    card_portal = times(portal, "success", "card")
    card_baseline = times(baseline, "success", "card")
    flow_median, flow_baseline_median = median(flow_portal), median(flow_baseline)
    flow_met = flow_median <= TARGET_RATIO * flow_baseline_median and flow_median < TARGET_MS
    portal_breakdown = medians([portal_phases(run) for run in portal])
    baseline_breakdown = medians([baseline_phases(run) for run in baseline])

    def compared(name: str, ours: list[float], theirs: list[float], q: float) -> Figure:
        return Figure(name, percentile(ours, q), "ms", percentile(theirs, q))

    card = "flow's success to card shows the integration"
    figures = [
        replace(
            compared("click to flow visible, median", flow_portal, flow_baseline, 50),
            target=f"≤ {TARGET_RATIO}x baseline and < {TARGET_MS:.0f} ms",
            met=flow_met,
        ),
        compared("click to flow visible, p95", flow_portal, flow_baseline, 95),
        compared(f"{card}, median", card_portal, card_baseline, 50),
        compared(f"{card}, p95", card_portal, card_baseline, 95),
    ]
    click_phases = dict(list(portal_breakdown.items())[:6])
    largest, largest_ms = max(click_phases.items(), key=lambda item: item[1])
    frame_names = list(_frame_phases(portal[0]))
    frame_ms = sum(portal_breakdown[name] for name in frame_names)
    frame_baseline_ms = sum(baseline_breakdown[name] for name in frame_names)
    card_phases = dict(list(portal_breakdown.items())[6:])
    card_largest, card_largest_ms = max(card_phases.items(), key=lambda item: item[1])
    biggest = (
        f"Click to flow ({flow_median:.0f} ms median): {frame_ms:.0f} ms of it is the flow "
        f"page loading in its iframe (HTML, its style sheet, first paint; "
        f"{frame_baseline_ms:.0f} ms in the baseline), the same sandbox page for both; the "
        f"largest single phase is {largest.strip()} ({largest_ms:.0f} ms). The portal's own "
        f"largest part is its server turn, "
        f"{portal_breakdown['event sent → link in (server turn)']:.0f} ms (the baseline's "
        f"route: {baseline_breakdown['click → /link answered']:.0f} ms). Success to card "
        f"({median(card_portal):.0f} ms): {card_largest.strip()} "
        f"({card_largest_ms:.0f} ms), then "
        + ", ".join(
            f"{name.strip()} {value:.0f} ms"
            for name, value in card_phases.items()
            if name != card_largest
        )
        + "."
    )
    if "server click" in profile:
        biggest += (
            f" py-spy over {profiled_clicks} more clicks, click: {profile['server click']}. "
            f"Success: {profile['server success']}."
        )
    return ScenarioResult(
        name=NAME,
        baseline=(
            "a static page whose button fetches a link from a bare Starlette route calling "
            "the same sandbox, then calls the same showKomboConnect (same browser, same run)"
        ),
        figures=figures,
        biggest_cost=biggest,
        notes=[
            f"{len(portal)} clicks each, interleaved, after one unmeasured warm-up click each; "
            "each portal click is a fresh organisation and admin, signed in in a new "
            "browser context; each baseline click a fresh page.",
            "Flow visible: inside the flow's iframe the first tool button has a non-zero box "
            "and passes checkVisibility(), stamped at the next animation frame. Card: "
            f'[data-category="{CATEGORY}"] contains "{TOOL}", stamped the same way. Success: '
            "the page receives the flow's success message. All stamped in the browser. The "
            "iframe was attached with a non-zero box before the flow was painted in "
            f"{sum(r.marks['iframe_attached'] <= r.marks['flow_visible'] for r in portal)}/"
            f"{len(portal)} portal and "
            f"{sum(r.marks['iframe_attached'] <= r.marks['flow_visible'] for r in baseline)}/"
            f"{len(baseline)} baseline clicks.",
            f"Portal, median per phase: {describe(portal_breakdown)}.",
            f"Baseline, median per phase: {describe(baseline_breakdown)}.",
            f"The page's main thread (Chromium CPU profile, {profiled_clicks} more clicks, ms "
            "of self time a click; (program) = the browser's own work: parsing, style, "
            "layout, paint, the flow's iframe included, which shares the thread), from just "
            f"before the click to the flow painted: {profile['page click']}; from just before "
            f"the flow's last click to the card: {profile['page success']}.",
            *(
                [f"The server was not sampled: {profile['not sampled']}."]
                if "not sampled" in profile
                else []
            ),
        ],
    )
