"""3. Page weight and first load: the JavaScript and CSS a first load of the Integrations
page transfers, and how soon "Connect HRIS" can be clicked, against a blank Reflex app.

The baseline is built in the same run: `reflex init --template blank` (the app Reflex
itself generates, with the same Reflex, Node and npm from this virtualenv, its npm
packages from npm's cache), served the way the portal is, `reflex run --env prod
--single-port`, and loaded the same way.

Each load is a new tab in headless Chromium with the cache disabled, so everything is
fetched as on a first visit. Bytes come from CDP's Network events: "transferred" is
`loadingFinished.encodedDataLength` (the compressed body and the response's headers,
what DevTools calls "transferred"); "compressed body" subtracts the headers. A response
is JavaScript or CSS by Chromium's type for it (Script, Stylesheet). Everything fetched
until the page is ready and the network has been quiet for half a second counts.

Times are the page's own `performance.now()` (0 = navigation start), stamped at the
next animation frame after the condition holds: clickable (portal), the button
"Connect HRIS" is visible with a non-zero box and not disabled; hydrated (both), the
state update that sets Reflex's `is_hydrated` has arrived (for the blank app, whose
markup is all in the served HTML, when its page is interactive).
"""

from __future__ import annotations

import re
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from playwright.sync_api import Browser, BrowserContext, CDPSession, Page, expect

from bench.browser import (
    chromium,
    chunk_name,
    self_time,
    sign_in,
    start_cpu_profile,
    stop_cpu_profile,
)
from bench.result import Figure, ScenarioResult
from bench.stats import means, median
from harness.app_server import start_app
from harness.processes import VENV_BIN, clean_environment, free_port, serving
from kombo_portal.records.accounts import DEMO_ADMIN_EMAIL, DEMO_PASSWORD

NAME = "3. Page weight and first load"
# A build folder of its own, so that a running `make run` or test suite is left alone.
WEB_WORKDIR = ".web-bench-ui"
PAGE_PATH = "/settings/integrations"
BUTTON = "Connect HRIS"
LOADS_FULL = 10
LOADS_QUICK = 3
# Loads with Chromium's CPU profiler on (apart from the measured ones: it slows them).
PROFILED_FULL = 3
PROFILED_QUICK = 1
TARGET_RATIO = 1.3
# The first load to a clickable button against the blank app's load to hydrated.
LOAD_TARGET_RATIO = 1.15
BUILD_TIMEOUT_SECONDS = 600
READY_TIMEOUT_MILLISECONDS = 60_000
ASSETS = ("Script", "Stylesheet")  # Chromium's resource types of JavaScript and CSS

INSTRUMENT = r"""
(() => {
  if (window !== window.top) return;
  const marks = (window.__benchLoad = {});
  const waiting = new Set();
  // Stamp at the next animation frame: the frame that paints what was just found.
  function markPainted(name) {
    if (name in marks || waiting.has(name)) return;
    waiting.add(name);
    requestAnimationFrame(() => { marks[name] = performance.now(); });
  }
  // Checked once per animation frame (not on every change of the document, which
  // would add work to the load being measured); the first frame it holds is stamped.
  const button = "__BUTTON__";
  function clickable() {
    const found = Array.from(document.querySelectorAll("button"))
      .find((element) => element.textContent.trim() === button);
    if (!found || found.disabled || found.getAttribute("aria-disabled") === "true") return false;
    const box = found.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && found.checkVisibility();
  }
  function poll() {
    if (clickable()) marks.clickable = performance.now();
    else requestAnimationFrame(poll);
  }
  if (button) requestAnimationFrame(poll);
  // Reflex's websocket: when it opened, and when the update that says the page is
  // hydrated arrived.
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("open", () => {
        if (!("socket_open" in marks)) marks.socket_open = performance.now();
      });
      this.addEventListener("message", (event) => {
        if (typeof event.data === "string" && event.data.includes('"is_hydrated_rx_state_":true')) {
          markPainted("hydrated");
        }
      });
    }
    send(data) {
      // The page's first event: hydrate (and the page's on_load), answered by the server.
      if (!("hydrate_sent" in marks) && typeof data === "string" && data.includes("hydrate")) {
        marks.hydrate_sent = performance.now();
      }
      return super.send(data);
    }
  };
})();
"""


@dataclass
class Response:
    url: str
    kind: str  # Chromium's resource type: Script, Stylesheet, Document, Image, ...
    headers: int = 0  # bytes of the response's status line and headers
    transferred: int = 0  # headers and compressed body
    encoding: str = ""

    @property
    def chunk(self) -> str:
        return chunk_name(self.url)

    @property
    def body(self) -> int:
        return self.transferred - self.headers


@dataclass
class Load:
    responses: list[Response] = field(default_factory=list)
    marks: dict[str, float] = field(default_factory=dict)

    def of(self, *kinds: str) -> list[Response]:
        return [r for r in self.responses if r.kind in kinds]

    def bytes(self, kind: str, attribute: str = "transferred") -> int:
        return sum(getattr(r, attribute) for r in self.of(kind))

    def asset_sizes(self) -> dict[str, int]:
        """Compressed body bytes by JavaScript or CSS chunk."""
        sizes: dict[str, int] = {}
        for response in self.of(*ASSETS):
            sizes[response.chunk] = sizes.get(response.chunk, 0) + response.body
        return sizes


@contextmanager
def new_tab(context: BrowserContext) -> Iterator[tuple[Page, CDPSession]]:
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    try:
        yield page, cdp
    finally:
        cdp.detach()
        page.close()


def open_until(page: Page, url: str, mark: str) -> None:
    """Open `url` and wait until the page has stamped `mark`."""
    page.goto(url)
    page.wait_for_function(
        # A function, not an expression: the portal's CSP forbids eval.
        "name => Boolean(window.__benchLoad && name in window.__benchLoad)",
        arg=mark,
        polling=50,  # milliseconds; polling at every frame would load the page more
        timeout=READY_TIMEOUT_MILLISECONDS,
    )


def load_once(context: BrowserContext, url: str, wait_for: str) -> Load:
    """Open `url` in a new tab with the cache disabled; wait for mark `wait_for`."""
    requests: dict[str, Response] = {}

    def received(event: dict[str, Any]) -> None:
        response = event["response"]
        headers = {name.lower(): value for name, value in response["headers"].items()}
        requests[event["requestId"]] = Response(
            url=response["url"],
            kind=event["type"],
            headers=int(response.get("encodedDataLength") or 0),
            encoding=headers.get("content-encoding", ""),
        )

    def finished(event: dict[str, Any]) -> None:
        if event["requestId"] in requests:
            requests[event["requestId"]].transferred = int(event["encodedDataLength"])

    with new_tab(context) as (page, cdp):
        cdp.on("Network.responseReceived", received)
        cdp.on("Network.loadingFinished", finished)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        open_until(page, url, wait_for)
        page.wait_for_load_state("networkidle")
        marks = page.evaluate(
            """() => {
                const marks = {...window.__benchLoad};
                const navigation = performance.getEntriesByType("navigation")[0];
                marks.html_in = navigation.responseEnd;
                marks.dom_content_loaded = navigation.domContentLoadedEventStart;
                const scripts = performance.getEntriesByType("resource")
                    .filter((entry) => /\\.(js|css)$/.test(new URL(entry.name).pathname));
                if (scripts.length) {
                    // How long the server took to start answering, per asset (a duration).
                    const waits = scripts.map((entry) => entry.responseStart - entry.requestStart)
                        .sort((a, b) => a - b);
                    marks.asset_wait_median = waits[Math.floor(waits.length / 2)];
                }
                return marks;
            }"""
        )
    return Load(responses=[r for r in requests.values() if r.transferred], marks=marks)


def js_coverage(context: BrowserContext, url: str, wait_for: str) -> dict[str, tuple[int, int]]:
    """{script: (bytes, bytes that ran)} of the app's scripts at mark `wait_for`.

    Chromium's precise coverage at function level: a byte ran if the innermost
    function around it was called. Its own load, as coverage slows the page down.
    """
    lengths: dict[str, int] = {}
    origin = "{0.scheme}://{0.netloc}/".format(urlsplit(url))

    def parsed(event: dict[str, Any]) -> None:
        if event.get("url", "").startswith(origin):  # the app's own, not Playwright's
            lengths[event["scriptId"]] = int(event.get("length") or 0)

    with new_tab(context) as (page, cdp):
        cdp.on("Debugger.scriptParsed", parsed)
        cdp.send("Debugger.enable")
        cdp.send("Profiler.enable")
        cdp.send("Profiler.startPreciseCoverage", {"callCount": False, "detailed": False})
        open_until(page, url, wait_for)
        result = cdp.send("Profiler.takePreciseCoverage")["result"]
    coverage: dict[str, tuple[int, int]] = {}
    for script in result:
        length = lengths.get(script["scriptId"])
        if not length:
            continue
        ranges = [r for function in script["functions"] for r in function["ranges"]]
        # Outer ranges first, so that an inner function's count overrides its parent's.
        ranges.sort(key=lambda r: (r["startOffset"], -r["endOffset"]))
        ran = bytearray(length)
        for r in ranges:
            start, end = r["startOffset"], min(r["endOffset"], length)
            ran[start:end] = (b"\1" if r["count"] else b"\0") * (end - start)
        name = chunk_name(script["url"])
        total, used = coverage.get(name, (0, 0))
        coverage[name] = (total + length, used + sum(ran))
    return coverage


def js_profile(context: BrowserContext, url: str, wait_for: str) -> dict[str, float]:
    """Chromium's CPU profile of one load until mark `wait_for`: ms of self time by the
    app's script and by the profiler's own categories. Its own load, as profiling slows
    the page down."""
    with new_tab(context) as (page, cdp):
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        start_cpu_profile(cdp)
        open_until(page, url, wait_for)
        profile = stop_cpu_profile(cdp)
    return self_time(profile, "{0.scheme}://{0.netloc}/".format(urlsplit(url)))


@contextmanager
def blank_app(work: Path) -> Iterator[tuple[str, float]]:
    """`reflex init --template blank`, then its production server on a free port.

    Yields its URL and how long init, npm install and build took until it answered.
    """
    folder = work / "blank_app"  # the folder's name becomes the app's name
    folder.mkdir()
    reflex = str(Path(VENV_BIN) / "reflex")
    # This virtualenv's reflex, node and npm, and none of the portal's settings.
    env = {**clean_environment(), "REFLEX_USE_NPM": "1", "REFLEX_TELEMETRY_ENABLED": "false"}
    started = time.monotonic()
    subprocess.run(  # noqa: S603 (this virtualenv's reflex, fixed arguments)
        [reflex, "init", "--template", "blank", "--no-agents"],
        cwd=folder,
        env=env,
        check=True,
        capture_output=True,
        timeout=BUILD_TIMEOUT_SECONDS,
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [reflex, "run", "--env", "prod", "--single-port", "--frontend-port", str(port)]

    def serves() -> bool:
        ping = httpx.get(f"{url}/ping", timeout=5)
        return ping.status_code == 200 and httpx.get(f"{url}/", timeout=5).status_code == 200

    with serving(
        command,
        work / "blank.log",
        serves,
        what="the blank app",
        env=env,
        cwd=folder,
        timeout=BUILD_TIMEOUT_SECONDS,
        interval=1,
    ):
        yield url, time.monotonic() - started


def instrumented_context(browser: Browser, button: str) -> BrowserContext:
    context = browser.new_context()
    context.add_init_script(INSTRUMENT.replace("__BUTTON__", button))
    return context


def run(quick: bool, progress: Callable[[str], None] = print) -> ScenarioResult:
    loads = LOADS_QUICK if quick else LOADS_FULL
    with tempfile.TemporaryDirectory(prefix="bench-page-weight-") as folder:
        work = Path(folder)
        (work / "portal").mkdir()
        portal_started = time.monotonic()
        app = start_app(work / "portal", web_workdir=WEB_WORKDIR)
        portal_build = time.monotonic() - portal_started
        try:
            with blank_app(work) as (blank_url, blank_build), chromium() as browser:
                progress(
                    f"   built: portal in {portal_build:.0f} s, blank app in {blank_build:.0f} s"
                )
                portal_context = instrumented_context(browser, BUTTON)
                # As the demo admin the portal creates in sandbox mode; the session cookie
                # stays in the context for the loads that follow.
                page = portal_context.new_page()
                sign_in(page, app.url, DEMO_ADMIN_EMAIL, DEMO_PASSWORD)
                button = page.get_by_role("button", name=BUTTON)
                expect(button).to_be_enabled(timeout=READY_TIMEOUT_MILLISECONDS)
                page.close()
                blank_context = instrumented_context(browser, "")
                apps = {
                    "portal": (portal_context, f"{app.url}{PAGE_PATH}", "clickable"),
                    "blank": (blank_context, f"{blank_url}/", "hydrated"),
                }
                # One unmeasured load each: the servers' first answers pay for start-up
                # work (imports, caches) no visitor's later load pays.
                for context, url, ready in apps.values():
                    load_once(context, url, ready)
                measured: dict[str, list[Load]] = {"portal": [], "blank": []}
                for index in range(loads):  # interleaved: a busy moment hits both
                    for name, (context, url, ready) in apps.items():
                        measured[name].append(load_once(context, url, ready))
                    progress(
                        f"   load {index + 1}/{loads}: portal clickable at "
                        f"{measured['portal'][-1].marks['clickable']:.0f} ms, blank hydrated at "
                        f"{measured['blank'][-1].marks['hydrated']:.0f} ms"
                    )
                coverage = {name: js_coverage(*apps[name]) for name in apps}
                # What the portal's chunks are made of, read while the server runs.
                first = measured["portal"][0]
                contents = {r.chunk: components_in(r.url) for r in first.of("Script")}
                profile_loads = PROFILED_QUICK if quick else PROFILED_FULL
                profiles = {
                    name: means([js_profile(*apps[name]) for _ in range(profile_loads)])
                    for name in apps
                }
        finally:
            app.stop()
    return summarise(
        measured["portal"],
        measured["blank"],
        coverage,
        profiles,
        contents,
        portal_build,
        blank_build,
    )


def _median_mark(loads: list[Load], name: str) -> float:
    return median(load.marks[name] for load in loads)


def _median_bytes(loads: list[Load], attribute: str = "transferred") -> tuple[float, float]:
    """The median bytes of JavaScript and of CSS."""
    js, css = ([load.bytes(kind, attribute) for load in loads] for kind in ASSETS)
    return median(js), median(css)


def components_in(url: str, limit: int = 10) -> str:
    """The component names a chunk declares (Radix's are backquoted CamelCase strings such
    as `DialogContent`), reduced to their roots (`Dialog`): what the chunk is made of."""
    try:
        text = httpx.get(url, timeout=10).text
    except httpx.HTTPError:
        return "?"
    names = set(re.findall(r"`([A-Z][A-Za-z]{2,})`", text))
    roots = sorted(n for n in names if not any(n != m and n.startswith(m) for m in names))
    return ", ".join(roots[:limit]) + (", …" if len(roots) > limit else "")


def asset_differences(portal: Load, blank: Load, top: int = 4) -> list[tuple[str, int, int]]:
    """The JS and CSS assets that make the portal heavier: (asset, portal bytes, blank
    bytes), largest difference first."""
    ours, theirs = portal.asset_sizes(), blank.asset_sizes()
    rows = [(name, size, theirs.get(name, 0)) for name, size in ours.items()]
    rows += [(name, 0, size) for name, size in theirs.items() if name not in ours]
    rows.sort(key=lambda row: row[1] - row[2], reverse=True)
    return rows[:top]


# The first load in steps, each from one mark to the next (ms since navigation start);
# "ready" is the portal's button clickable, the blank app's page hydrated.
PHASES = (
    ("navigation → HTML in", "start", "html_in"),
    (
        "HTML in → DOMContentLoaded (module scripts fetched and run)",
        "html_in",
        "dom_content_loaded",
    ),
    ("DOMContentLoaded → websocket open", "dom_content_loaded", "socket_open"),
    ("websocket open → hydrate event sent", "socket_open", "hydrate_sent"),
    ("hydrate event sent → ready (the server's hydrate and on_load)", "hydrate_sent", "ready"),
)


def phase_medians(loads: list[Load], ready: str) -> dict[str, float]:
    return {
        name: median(
            load.marks[ready if last == "ready" else last] - load.marks.get(first, 0.0)
            for load in loads
        )
        for name, first, last in PHASES
    }


def describe_profile(spent: dict[str, float], top: int = 6) -> str:
    return ", ".join(f"{name} {ms:.0f}" for name, ms in list(spent.items())[:top])


def asset_list(load: Load) -> str:
    assets = sorted(load.of(*ASSETS), key=lambda r: -r.body)
    return ", ".join(f"{r.chunk} {r.body / 1024:.1f}" for r in assets)


def summarise(
    portal: list[Load],
    blank: list[Load],
    coverage: dict[str, dict[str, tuple[int, int]]],
    profiles: dict[str, dict[str, float]],
    contents: dict[str, str],
    portal_build: float,
    blank_build: float,
) -> ScenarioResult:
    (js, css), (js_blank, css_blank) = _median_bytes(portal), _median_bytes(blank)
    total, total_blank = js + css, js_blank + css_blank
    body, body_blank = sum(_median_bytes(portal, "body")), sum(_median_bytes(blank, "body"))
    clickable = _median_mark(portal, "clickable")
    hydrated, hydrated_blank = _median_mark(portal, "hydrated"), _median_mark(blank, "hydrated")
    target, met = f"≤ {TARGET_RATIO}x the blank app", total <= TARGET_RATIO * total_blank
    clickable_name = f'first load to "{BUTTON}" clickable (blank app: hydrated), median'
    figures = [
        Figure("JavaScript transferred", js, "bytes", js_blank),
        Figure("CSS transferred", css, "bytes", css_blank),
        Figure("JavaScript and CSS transferred", total, "bytes", total_blank, target, met),
        Figure("JavaScript and CSS, compressed bodies only", body, "bytes", body_blank),
        Figure(
            clickable_name,
            clickable,
            "ms",
            hydrated_blank,
            f"≤ {LOAD_TARGET_RATIO}x the blank app",
            clickable <= LOAD_TARGET_RATIO * hydrated_blank,
        ),
        Figure("first load to hydrated, median", hydrated, "ms", hydrated_blank),
    ]
    ours, theirs = phase_medians(portal, "clickable"), phase_medians(blank, "hydrated")
    largest = max(ours, key=ours.__getitem__)
    excess = max(ours, key=lambda name: ours[name] - theirs.get(name, 0.0))
    first = portal[0]
    differences = asset_differences(first, blank[0])
    heaviest = max(first.of(*ASSETS), key=lambda r: r.body)
    blank_sizes = blank[0].asset_sizes()

    def covered(app: str) -> str:
        scripts = coverage[app]
        size = sum(total for total, _ in scripts.values())
        ran = sum(used for _, used in scripts.values())
        largest = sorted(scripts.items(), key=lambda item: item[1][0], reverse=True)[:3]
        listed = ", ".join(
            f"{name} {used / total:.0%} of {total / 1024:.0f} KiB"
            for name, (total, used) in largest
            if total
        )
        return f"{ran / size:.0%} of {size / 1024:.0f} KiB ran ({listed})" if size else "none"

    def describe(phases: dict[str, float]) -> str:
        return "; ".join(f"{name} {value:.0f} ms" for name, value in phases.items())

    other_bytes = sum(r.transferred for r in first.responses if r.kind not in ASSETS)
    return ScenarioResult(
        name=NAME,
        baseline=(
            "a blank Reflex 0.10 app (`reflex init --template blank`), built and served "
            "prod single-port in the same run, loaded the same way"
        ),
        figures=figures,
        biggest_cost=(
            f"Bytes: the largest asset is {heaviest.chunk} ({heaviest.body:,} compressed "
            f"bytes; the blank app's: {blank_sizes.get(heaviest.chunk, 0):,}); the "
            "chunks that differ most (compressed bytes, portal vs blank): "
            + "; ".join(f"{n} {o:,} vs {t:,}" for n, o, t in differences)
            + (
                f" ({differences[0][0]} declares: {contents[differences[0][0]]})"
                if differences[0][0] in contents
                else ""
            )
            + f". Time: the longest step is {largest} ({ours[largest]:.0f} ms median); "
            f"the step that exceeds the blank app's most is {excess} ({ours[excess]:.0f} vs "
            f"{theirs.get(excess, 0.0):.0f} ms)."
        ),
        notes=[
            f"{len(portal)} loads each, interleaved, after one unmeasured load each; cache "
            "disabled, a new tab each; the portal signed in as the demo admin.",
            "Transferred = CDP Network loadingFinished.encodedDataLength (compressed body "
            "and headers); compressed bodies only = minus the response headers. Encodings: "
            f"portal {sorted({r.encoding or 'none' for r in first.responses})}, blank "
            f"{sorted({r.encoding or 'none' for r in blank[0].responses})}.",
            f"Portal's JavaScript and CSS, compressed KiB: {asset_list(first)}. Blank app's: "
            f"{asset_list(blank[0])}. Everything else the portal's load fetched (HTML, "
            f"icons, logos): {other_bytes:,} bytes.",
            f"Portal, median per step: {describe(ours)}; the server's wait before answering "
            f"an asset, median: {_median_mark(portal, 'asset_wait_median'):.0f} ms (blank "
            f"app: {_median_mark(blank, 'asset_wait_median'):.0f} ms).",
            f"Blank app, median per step: {describe(theirs)}.",
            "Where the main thread's time went, mean of more loads with Chromium's CPU "
            "profiler (until ready, ms of self time; (program) = parsing, compiling, style, "
            "layout, "
            f"paint): portal {describe_profile(profiles['portal'])}; blank app "
            f"{describe_profile(profiles['blank'])}.",
            "JavaScript that ran by the button being clickable (blank app: hydrated), "
            f"Chromium's precise coverage at function level: portal {covered('portal')}; "
            f"blank app {covered('blank')}.",
            f"Builds in this run: portal {portal_build:.0f} s (its npm packages installed "
            f"before), blank app {blank_build:.0f} s (init, npm install from cache, build).",
        ],
    )
