"""Bare `reflex run`, as a Reflex developer types it, from a clean copy of the project
with the virtualenv active and nothing else set: no REFLEX_USE_NPM, no migrated
database, no .env. Development mode migrates and serves the page; production mode
refuses a database that is not migrated, with one line naming the command."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from harness.processes import (
    VENV_BIN,
    clean_environment,
    free_port,
    launch,
    log_tail,
    stop,
    wait_until_ready,
)
from kombo_portal.config import PROJECT_ROOT
from kombo_portal.records.accounts import DEMO_ADMIN_EMAIL, DEMO_PASSWORD

pytestmark = pytest.mark.slow
START_SECONDS = 600  # npm install into the copy's own .web, then the first compile


def clean_copy(destination: Path) -> Path:
    """The project's files as a clone has them (what git tracks), nothing built."""
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=PROJECT_ROOT, capture_output=True, check=True
    ).stdout.decode()
    for name in filter(None, tracked.split("\0")):
        source = PROJECT_ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return destination


def activated_virtualenv() -> dict[str, str]:
    """What `source .venv/bin/activate` leaves: its bin first on PATH, VIRTUAL_ENV set;
    none of the portal's or Reflex's settings (REFLEX_USE_NPM included)."""
    return {**clean_environment(), "VIRTUAL_ENV": str(Path(VENV_BIN).parent)}


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    return clean_copy(tmp_path / "kombo-portal")


@pytest.fixture
def reflex_run(copy: Path) -> Iterator:
    started: list[subprocess.Popen[bytes]] = []

    def run(*arguments: str) -> tuple[subprocess.Popen[bytes], Path]:
        log_path = copy / f"reflex-run-{len(started)}.log"
        process = launch(
            [str(Path(VENV_BIN) / "reflex"), "run", *arguments],
            log_path,
            activated_virtualenv(),
            cwd=copy,
        )
        started.append(process)
        return process, log_path

    yield run
    for process in started:
        stop(process)


def test_reflex_run_in_development_migrates_and_serves_the_page(reflex_run, page: Page):
    frontend, backend = free_port(), free_port()
    process, log_path = reflex_run("--frontend-port", str(frontend), "--backend-port", str(backend))
    page_url, backend_url = f"http://localhost:{frontend}", f"http://localhost:{backend}"

    def both_answer() -> bool:
        return (
            httpx.get(f"{backend_url}/ping", timeout=2).status_code == 200
            and httpx.get(f"{page_url}/sign-in", timeout=5).status_code == 200
        )

    wait_until_ready(process, both_answer, log_path, what="reflex run", timeout=START_SECONDS)
    # Reflex says so when told (by the project's rxconfig.py) to use npm, not bun.
    assert "using npm instead" in log_tail(log_path, 400).lower()

    page.goto(f"{page_url}/sign-in")
    page.get_by_label("Email").fill(DEMO_ADMIN_EMAIL)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()

    expect(page.get_by_role("heading", name="Integrations", level=1)).to_be_visible(timeout=30_000)
    expect(page.get_by_role("button", name="Connect HRIS")).to_be_enabled()
    assert "no such table" not in log_tail(log_path, 400)


def test_reflex_run_in_production_refuses_a_database_not_migrated(reflex_run):
    port = free_port()
    process, log_path = reflex_run("--env", "prod", "--single-port", "--frontend-port", str(port))

    try:
        process.wait(timeout=START_SECONDS)
    except subprocess.TimeoutExpired:
        pytest.fail(f"reflex run --env prod kept running:\n{log_tail(log_path)}")
    log = log_tail(log_path, 400)
    assert process.returncode != 0
    assert re.search(r"The database is not migrated: run `python -m kombo_portal migrate`", log)
