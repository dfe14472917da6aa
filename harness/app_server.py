"""The real app as a separate process, the way production starts it: `python -m
kombo_portal serve` (settings check, migrations, Reflex's single-port build)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

from harness.processes import clean_environment, free_port, launch, log_tail, stop, wait_until_ready
from kombo_portal.config import PROJECT_ROOT

# The first build installs the frontend packages with npm; later ones reuse them.
STARTUP_TIMEOUT_SECONDS = 600
# Browser tests build into a folder of their own, so a developer's `make run`
# (which uses .web/) is left alone while the suite runs. PORTAL_TEST_WEB_WORKDIR
# names another, for two test runs at once in one checkout.
TEST_WEB_WORKDIR = os.environ.get("PORTAL_TEST_WEB_WORKDIR") or ".web-test"


def web_workdir_for(name: str) -> str:
    """The build folder of a test app that runs beside the main one (another build, or
    another instance): named after TEST_WEB_WORKDIR (`.web-test-branded`), so test runs
    with different PORTAL_TEST_WEB_WORKDIR never share one."""
    return f"{TEST_WEB_WORKDIR}-{name}"


def app_environment(
    work_dir: Path, overrides: Mapping[str, str], web_workdir: str = TEST_WEB_WORKDIR
) -> dict[str, str]:
    """The app's environment: the caller's settings only, none of the developer's."""
    return {
        **clean_environment(),
        "REFLEX_USE_NPM": "1",
        "REFLEX_WEB_WORKDIR": web_workdir,
        # Reflex clears its states folder on start: not the one of a running `make run`.
        "REFLEX_STATES_WORKDIR": str(work_dir / "states"),
        "PORTAL_ENV_FILE": "",
        "REFLEX_DB_URL": f"sqlite:///{work_dir / 'portal.db'}",
        # The tests run the local sandbox, which `serve` refuses unless a demo is meant.
        "PORTAL_DEMO": "1",
        **overrides,
    }


@dataclass
class RunningApp:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    env: dict[str, str]
    port: int

    @property
    def database_url(self) -> str:
        return self.env["REFLEX_DB_URL"]

    @property
    def pid(self) -> int:
        """The app's main process (`serve` replaces itself with Reflex, keeping its id)."""
        return self.process.pid

    def cli(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        """`python -m kombo_portal ...` on this app's database; raises if it fails."""
        result = subprocess.run(  # noqa: S603 (this interpreter, the caller's arguments)
            [sys.executable, "-m", "kombo_portal", *args],
            cwd=PROJECT_ROOT,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if result.returncode != 0:
            raise RuntimeError(f"kombo_portal {' '.join(args)} failed: {result.stderr}")
        return result

    def log_tail(self, lines: int = 60) -> str:
        return log_tail(self.log_path, lines)

    def stop(self) -> None:
        stop(self.process)

    def restart(self) -> None:
        """Stop the app and start it again on the same port and settings; wait until it serves."""
        self.stop()
        self.process = _launch(self.env, self.port, self.log_path)
        try:
            _wait_until_serving(self)
        except BaseException:
            self.stop()
            raise


def start_app(
    work_dir: Path,
    overrides: Mapping[str, str] | None = None,
    *,
    port: int | None = None,
    web_workdir: str | None = None,
) -> RunningApp:
    """Start the app on a fresh database in `work_dir` and wait until it answers.

    `port` defaults to a free one. `web_workdir` (a folder in the project, default
    .web-test) is where Reflex builds the frontend; apps running at the same time
    need folders of their own.
    """
    port = port or free_port()
    web_workdir = web_workdir or TEST_WEB_WORKDIR
    _seed_web_workdir(web_workdir)
    env = app_environment(work_dir, overrides or {}, web_workdir)
    log_path = work_dir / "app.log"
    app = RunningApp(
        url=f"http://127.0.0.1:{port}",
        process=_launch(env, port, log_path),
        log_path=log_path,
        env=env,
        port=port,
    )
    try:
        _wait_until_serving(app)
    except BaseException:
        app.stop()
        raise
    return app


def _launch(env: Mapping[str, str], port: int, log_path: Path) -> subprocess.Popen[bytes]:
    # The production start command itself; a restart appends to the same log.
    command = [sys.executable, "-m", "kombo_portal", "serve", "--port", str(port)]
    return launch(command, log_path, env, append=True)


def _seed_web_workdir(web_workdir: str) -> None:
    """Start a new build folder as a copy of .web-test, whose npm packages are installed.

    Reflex then finds its packages installed (the install cache records the same
    npm) and only compiles and builds, instead of running npm install again.
    """
    target = PROJECT_ROOT / web_workdir
    source = PROJECT_ROOT / TEST_WEB_WORKDIR
    if target.exists() or not source.is_dir():
        return
    # Copied under a temporary name and renamed, so an interrupted copy is never used.
    staging = target.with_name(f"{target.name}.copying-{os.getpid()}")
    shutil.copytree(source, staging, symlinks=True)
    try:
        staging.rename(target)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)  # another start made it first


def _wait_until_serving(app: RunningApp) -> None:
    def answers() -> bool:
        # Reflex's own liveness route and the built page; the tests check the rest.
        backend = httpx.get(f"{app.url}/ping", timeout=5)
        return backend.status_code == 200 and httpx.get(f"{app.url}/", timeout=5).status_code == 200

    wait_until_ready(
        app.process,
        answers,
        app.log_path,
        what="the app",
        timeout=STARTUP_TIMEOUT_SECONDS,
        interval=1,
    )
