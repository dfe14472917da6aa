"""3. Page weight and first load: the JavaScript and CSS a first load of the Integrations
page transfers, and how soon "Connect HRIS" can be clicked, against a blank Reflex app.

The baseline is built in the same run: `reflex init --template blank` (the app Reflex
itself generates, with the same Reflex, Node and npm from this virtualenv, its npm
packages from npm's cache), served the way the portal is, `reflex run --env prod
--single-port`, and loaded the same way.

Each load is a new tab in headless Chromium with the browser's cache disabled (CDP
`Network.setCacheDisabled`), so everything is fetched as on a first visit. Bytes are
counted from CDP's Network events: "transferred" is `loadingFinished.encodedDataLength`
(what came over the connection: the compressed body and the response's headers, the
figure DevTools calls "transferred"); "compressed body" subtracts the headers. A
response counts as JavaScript or CSS by the type Chromium gives it (Script,
Stylesheet). Everything fetched until the page is ready and the network has been
quiet for half a second counts.

Times are the page's own `performance.now()` (0 = navigation start), stamped at the
next animation frame after the condition holds:

- clickable (portal): the button "Connect HRIS" is in the document, has a non-zero
  box, passes `checkVisibility()` and is not disabled;
- hydrated (both): the state update that sets Reflex's `is_hydrated` has arrived over
  the websocket; for the blank app, whose markup is all in the served HTML, this is
  when its page is interactive (its event handlers then reach the server).
"""

from __future__ import annotations

import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from playwright.sync_api import Browser, BrowserContext, expect, sync_playwright

from bench.result import Figure, ScenarioResult
from kombo_portal.services.accounts import DEMO_ADMIN_EMAIL, DEMO_PASSWORD
from tests.browser.conftest import CHROMIUM_ARGS, CHROMIUM_PATH
from tests.support.app_server import free_port, start_app

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
BUILD_TIMEOUT_SECONDS = 600
READY_TIMEOUT_MILLISECONDS = 60_000

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
      if (!("socket_created" in marks)) marks.socket_created = performance.now();
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
    decoded: int = 0  # the body once decompressed
    encoding: str = ""

    @property
    def name(self) -> str:
        return self.url.split("?", 1)[0].rsplit("/", 1)[-1] or "/"

    @property
    def body(self) -> int:
        return self.transferred - self.headers


@dataclass
class Load:
    responses: list[Response] = field(default_factory=list)
    marks: dict[str, float] = field(default_factory=dict)

    def of(self, kind: str) -> list[Response]:
        return [r for r in self.responses if r.kind == kind]

    def bytes(self, kind: str, attribute: str = "transferred") -> int:
        return sum(getattr(r, attribute) for r in self.of(kind))


def load_once(context: BrowserContext, url: str, wait_for: str) -> Load:
    """Open `url` in a new tab with the cache disabled; wait for mark `wait_for`."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    requests: dict[str, Response] = {}

    def received(event: dict) -> None:
        response = event["response"]
        headers = {name.lower(): value for name, value in response["headers"].items()}
        requests[event["requestId"]] = Response(
            url=response["url"],
            kind=event["type"],
            headers=int(response.get("encodedDataLength") or 0),
            encoding=headers.get("content-encoding", ""),
        )

    def finished(event: dict) -> None:
        if event["requestId"] in requests:
            requests[event["requestId"]].transferred = int(event["encodedDataLength"])

    def data(event: dict) -> None:
        if event["requestId"] in requests:
            requests[event["requestId"]].decoded += int(event["dataLength"])

    cdp.on("Network.responseReceived", received)
    cdp.on("Network.loadingFinished", finished)
    cdp.on("Network.dataReceived", data)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    try:
        page.goto(url)
        page.wait_for_function(
            # A function, not an expression: the portal's CSP forbids eval.
            "name => Boolean(window.__benchLoad && name in window.__benchLoad)",
            arg=wait_for,
            polling=50,  # milliseconds; polling at every frame would load the page more
            timeout=READY_TIMEOUT_MILLISECONDS,
        )
        page.wait_for_load_state("networkidle")
        marks = page.evaluate(
            """() => {
                const marks = {...window.__benchLoad};
                const navigation = performance.getEntriesByType("navigation")[0];
                marks.html_in = navigation.responseEnd;
                marks.dom_content_loaded = navigation.domContentLoadedEventStart;
                const paint = performance.getEntriesByName("first-contentful-paint")[0];
                if (paint) marks.first_contentful_paint = paint.startTime;
                const scripts = performance.getEntriesByType("resource")
                    .filter((entry) => /\\.(js|css)$/.test(new URL(entry.name).pathname));
                if (scripts.length) {
                    marks.last_js_css_in = Math.max(...scripts.map((entry) => entry.responseEnd));
                    // How long the server took to start answering, per asset (a duration).
                    const waits = scripts.map((entry) => entry.responseStart - entry.requestStart)
                        .sort((a, b) => a - b);
                    marks.asset_wait_median = waits[Math.floor(waits.length / 2)];
                }
                return marks;
            }"""
        )
    finally:
        cdp.detach()
        page.close()
    return Load(responses=[r for r in requests.values() if r.transferred], marks=marks)


def js_coverage(context: BrowserContext, url: str, wait_for: str) -> dict[str, tuple[int, int]]:
    """{script name: (bytes, bytes that ran)} of the app's scripts at mark `wait_for`.

    Chromium's precise coverage at function level: a byte ran if the innermost
    function around it was called. Its own load, as coverage slows the page down.
    """
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    lengths: dict[str, int] = {}
    origin = "{0.scheme}://{0.netloc}/".format(urlsplit(url))

    def parsed(event: dict) -> None:
        if event.get("url", "").startswith(origin):  # the app's own, not Playwright's
            lengths[event["scriptId"]] = int(event.get("length") or 0)

    cdp.on("Debugger.scriptParsed", parsed)
    cdp.send("Debugger.enable")
    cdp.send("Profiler.enable")
    cdp.send("Profiler.startPreciseCoverage", {"callCount": False, "detailed": False})
    try:
        page.goto(url)
        page.wait_for_function(
            "name => Boolean(window.__benchLoad && name in window.__benchLoad)",
            arg=wait_for,
            polling=50,
            timeout=READY_TIMEOUT_MILLISECONDS,
        )
        result = cdp.send("Profiler.takePreciseCoverage")["result"]
    finally:
        cdp.detach()
        page.close()
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
        name = script["url"].split("?", 1)[0].rsplit("/", 1)[-1]
        total, used = coverage.get(name, (0, 0))
        coverage[name] = (total + length, used + sum(ran))
    return coverage


def reflex_environment() -> dict[str, str]:
    """For the blank app: this virtualenv's reflex, node and npm, none of the portal's
    settings (the blank app must not read them)."""
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("KOMBO_", "PORTAL_", "REFLEX_", "GRANIAN_"))
    }
    venv_bin = str(Path(sys.executable).parent)
    return {
        **inherited,
        "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}",
        "REFLEX_USE_NPM": "1",
        "REFLEX_TELEMETRY_ENABLED": "false",
    }


@contextmanager
def blank_app(work: Path) -> Iterator[tuple[str, float]]:
    """`reflex init --template blank`, then its production server on a free port.

    Yields its URL and how long init, npm install and build took until it answered.
    """
    folder = work / "blank_app"  # the folder's name becomes the app's name
    folder.mkdir()
    reflex = str(Path(sys.executable).parent / "reflex")
    env = reflex_environment()
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
    log_path = work / "blank.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 (this virtualenv's reflex, fixed arguments)
            [reflex, "run", "--env", "prod", "--single-port", "--frontend-port", str(port)],
            cwd=folder,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + BUILD_TIMEOUT_SECONDS
        while True:
            if process.poll() is not None:
                tail = log_path.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"the blank app exited with {process.returncode}:\n{tail}")
            try:
                if (
                    httpx.get(f"{url}/ping", timeout=5).status_code == 200
                    and httpx.get(f"{url}/", timeout=5).status_code == 200
                ):
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"the blank app did not answer in {BUILD_TIMEOUT_SECONDS}s")
            time.sleep(1)
        yield url, time.monotonic() - started
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def instrumented_context(browser: Browser, button: str) -> BrowserContext:
    context = browser.new_context()
    context.add_init_script(INSTRUMENT.replace("__BUTTON__", button))
    return context


def sign_in(context: BrowserContext, url: str) -> None:
    """As the demo admin the portal creates in sandbox mode; the session cookie stays in
    the context for the loads that follow."""
    page = context.new_page()
    page.goto(f"{url}/sign-in")
    page.get_by_label("Email").fill(DEMO_ADMIN_EMAIL)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name=BUTTON)).to_be_enabled(
        timeout=READY_TIMEOUT_MILLISECONDS
    )
    page.close()


def measure(quick: bool, progress: Callable[[str], None] = print) -> ScenarioResult:
    loads = LOADS_QUICK if quick else LOADS_FULL
    with tempfile.TemporaryDirectory(prefix="bench-page-weight-") as folder:
        work = Path(folder)
        (work / "portal").mkdir()
        portal_started = time.monotonic()
        app = start_app(work / "portal", web_workdir=WEB_WORKDIR)
        portal_build = time.monotonic() - portal_started
        try:
            with blank_app(work) as (blank_url, blank_build), sync_playwright() as playwright:
                progress(
                    f"   built: portal in {portal_build:.0f} s, blank app in {blank_build:.0f} s"
                )
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS
                )
                try:
                    portal_context = instrumented_context(browser, BUTTON)
                    sign_in(portal_context, app.url)
                    blank_context = instrumented_context(browser, "")
                    portal_url = f"{app.url}{PAGE_PATH}"
                    # One unmeasured load each: the servers' first answers pay for
                    # start-up work (imports, caches) no visitor's later load pays.
                    load_once(portal_context, portal_url, "clickable")
                    load_once(blank_context, f"{blank_url}/", "hydrated")
                    portal: list[Load] = []
                    blank: list[Load] = []
                    for index in range(loads):  # interleaved: a busy moment hits both
                        portal.append(load_once(portal_context, portal_url, "clickable"))
                        blank.append(load_once(blank_context, f"{blank_url}/", "hydrated"))
                        progress(
                            f"   load {index + 1}/{loads}: portal clickable at "
                            f"{portal[-1].marks['clickable']:.0f} ms, blank hydrated at "
                            f"{blank[-1].marks['hydrated']:.0f} ms"
                        )
                    coverage = {
                        "portal": js_coverage(portal_context, portal_url, "clickable"),
                        "blank": js_coverage(blank_context, f"{blank_url}/", "hydrated"),
                    }
                    # What the portal's chunks are made of, read while the server runs.
                    contents = {_stem(r.name): components_in(r.url) for r in portal[0].of("Script")}
                    profile_loads = PROFILED_QUICK if quick else PROFILED_FULL
                    profiles = {
                        "portal": mean_profile(
                            [
                                js_profile(portal_context, portal_url, "clickable")
                                for _ in range(profile_loads)
                            ]
                        ),
                        "blank": mean_profile(
                            [
                                js_profile(blank_context, f"{blank_url}/", "hydrated")
                                for _ in range(profile_loads)
                            ]
                        ),
                    }
                finally:
                    browser.close()
        finally:
            app.stop()
    return summarise(portal, blank, coverage, profiles, contents, portal_build, blank_build)


def _median_mark(loads: list[Load], name: str) -> float:
    return statistics.median(load.marks[name] for load in loads)


def _median_bytes(loads: list[Load], kind: str, attribute: str = "transferred") -> float:
    return statistics.median(load.bytes(kind, attribute) for load in loads)


HASHED_NAME = re.compile(r"^(?P<stem>.+)-[A-Za-z0-9_-]{8}(?P<extension>\.(?:js|css))$")


def _stem(name: str) -> str:
    """`createLucideIcon-C_pazNbF.js` -> `createLucideIcon.js`: a chunk's name without
    Vite's content hash (8 characters, which may start with "-"), to pair the same
    chunk across the two builds."""
    match = HASHED_NAME.match(name)
    return f"{match['stem']}{match['extension']}" if match else name


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

    def sizes(load: Load) -> dict[str, int]:
        result: dict[str, int] = {}
        for response in load.of("Script") + load.of("Stylesheet"):
            result[_stem(response.name)] = result.get(_stem(response.name), 0) + response.body
        return result

    ours, theirs = sizes(portal), sizes(blank)
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
    result = {}
    for name, first, last in PHASES:
        last = ready if last == "ready" else last
        result[name] = statistics.median(
            load.marks[last] - load.marks.get(first, 0.0) for load in loads
        )
    return result


def js_profile(context: BrowserContext, url: str, wait_for: str) -> dict[str, float]:
    """Chromium's CPU profile of one load, until mark `wait_for`: milliseconds of self
    time by the app's script (chunk), and by the profiler's own categories: "(program)"
    is the browser's native work (parsing and compiling scripts, style, layout, paint),
    "(idle)" waiting. Its own load, as profiling slows the page down."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    origin = "{0.scheme}://{0.netloc}/".format(urlsplit(url))
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Profiler.enable")
    cdp.send("Profiler.setSamplingInterval", {"interval": 250})  # microseconds
    cdp.send("Profiler.start")
    try:
        page.goto(url)
        page.wait_for_function(
            "name => Boolean(window.__benchLoad && name in window.__benchLoad)",
            arg=wait_for,
            polling=50,
            timeout=READY_TIMEOUT_MILLISECONDS,
        )
        profile = cdp.send("Profiler.stop")["profile"]
    finally:
        cdp.detach()
        page.close()
    frames = {node["id"]: node["callFrame"] for node in profile["nodes"]}
    spent: dict[str, float] = {}
    for node_id, delta in zip(profile["samples"], profile["timeDeltas"], strict=True):
        frame = frames[node_id]
        if frame["url"].startswith(origin):
            # A script file by its chunk's name; the page's own address: its inline scripts.
            name = frame["url"].split("?", 1)[0].rsplit("/", 1)[-1]
            key = _stem(name) if name.endswith(".js") else "(inline scripts)"
        elif frame["functionName"].startswith("("):
            key = frame["functionName"]
        else:  # natives called by scripts (DOM, layout reads), and the benchmark's own
            key = "(other)"
        spent[key] = spent.get(key, 0.0) + delta / 1000
    return dict(sorted(spent.items(), key=lambda item: -item[1]))


def mean_profile(profiles: list[dict[str, float]]) -> dict[str, float]:
    keys = {key for profile in profiles for key in profile}
    mean = {key: sum(p.get(key, 0.0) for p in profiles) / len(profiles) for key in keys}
    return dict(sorted(mean.items(), key=lambda item: -item[1]))


def describe_profile(spent: dict[str, float], top: int = 6) -> str:
    return ", ".join(f"{name} {ms:.0f}" for name, ms in list(spent.items())[:top])


def asset_list(load: Load) -> str:
    assets = sorted(load.of("Script") + load.of("Stylesheet"), key=lambda r: -r.body)
    return ", ".join(f"{_stem(r.name)} {r.body / 1024:.1f}" for r in assets)


def summarise(
    portal: list[Load],
    blank: list[Load],
    coverage: dict[str, dict[str, tuple[int, int]]],
    profiles: dict[str, dict[str, float]],
    contents: dict[str, str],
    portal_build: float,
    blank_build: float,
) -> ScenarioResult:
    js, js_blank = _median_bytes(portal, "Script"), _median_bytes(blank, "Script")
    css, css_blank = _median_bytes(portal, "Stylesheet"), _median_bytes(blank, "Stylesheet")
    total, total_blank = js + css, js_blank + css_blank
    body = _median_bytes(portal, "Script", "body") + _median_bytes(portal, "Stylesheet", "body")
    body_blank = _median_bytes(blank, "Script", "body") + _median_bytes(blank, "Stylesheet", "body")
    clickable = _median_mark(portal, "clickable")
    hydrated, hydrated_blank = _median_mark(portal, "hydrated"), _median_mark(blank, "hydrated")
    figures = [
        Figure("JavaScript transferred", js, "bytes", baseline=js_blank),
        Figure("CSS transferred", css, "bytes", baseline=css_blank),
        Figure(
            "JavaScript and CSS transferred",
            total,
            "bytes",
            baseline=total_blank,
            target=f"≤ {TARGET_RATIO}x the blank app",
            met=total <= TARGET_RATIO * total_blank,
        ),
        Figure("JavaScript and CSS, compressed bodies only", body, "bytes", baseline=body_blank),
        Figure(
            f'first load to "{BUTTON}" clickable (blank app: hydrated), median',
            clickable,
            "ms",
            baseline=hydrated_blank,
        ),
        Figure("first load to hydrated, median", hydrated, "ms", baseline=hydrated_blank),
    ]
    ours, theirs = phase_medians(portal, "clickable"), phase_medians(blank, "hydrated")
    largest = max(ours, key=ours.__getitem__)
    excess = max(ours, key=lambda name: ours[name] - theirs.get(name, 0.0))
    first = portal[0]
    differences = asset_differences(first, blank[0])
    heaviest = max(first.of("Script") + first.of("Stylesheet"), key=lambda r: r.body)
    blank_sizes = {_stem(r.name): r.body for r in blank[0].of("Script") + blank[0].of("Stylesheet")}

    def covered(app: str) -> str:
        scripts = coverage[app]
        size = sum(total for total, _ in scripts.values())
        ran = sum(used for _, used in scripts.values())
        largest = sorted(scripts.items(), key=lambda item: item[1][0], reverse=True)[:3]
        listed = ", ".join(
            f"{_stem(name)} {used / total:.0%} of {total / 1024:.0f} KiB"
            for name, (total, used) in largest
            if total
        )
        return f"{ran / size:.0%} of {size / 1024:.0f} KiB ran ({listed})" if size else "none"

    def describe(phases: dict[str, float]) -> str:
        return "; ".join(f"{name} {value:.0f} ms" for name, value in phases.items())

    other_bytes = sum(
        r.transferred for r in first.responses if r.kind not in ("Script", "Stylesheet")
    )
    return ScenarioResult(
        name=NAME,
        baseline=(
            "a blank Reflex 0.10 app (`reflex init --template blank`), built and served "
            "prod single-port in the same run, loaded the same way"
        ),
        figures=figures,
        biggest_cost=(
            f"Bytes: the largest asset is {_stem(heaviest.name)} ({heaviest.body:,} compressed "
            f"bytes; the blank app's: {blank_sizes.get(_stem(heaviest.name), 0):,}); the "
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


def run(quick: bool) -> ScenarioResult:
    return measure(quick)
