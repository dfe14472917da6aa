"""The production image and start: the Dockerfile runs the commands these tests run.

Docker itself is not run here. What is checked: the Dockerfile's build and start
steps are `python -m kombo_portal build` and `serve` (the browser tests start the
app with that `serve`, and the last test below runs `build` and then `serve`,
which neither builds again nor needs npm's registry), it runs as a user that is
not root and owns only what the app writes, and everything it copies exists.
"""

from __future__ import annotations

import fnmatch
import json
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from harness import app_server
from harness.processes import free_port
from kombo_portal.cli import DEFAULT_PORT
from kombo_portal.config import PROJECT_ROOT

DOCKERFILE = PROJECT_ROOT / "Dockerfile"
BUILD = "python -m kombo_portal build"
SERVE = ["python", "-m", "kombo_portal", "serve"]
# What the app writes while it runs (see the Dockerfile's comments).
WRITABLE = {".web", ".reflex", ".states", "data", "reflex.lock"}
# What the builder stage makes rather than copies.
BUILT = {".venv", ".web", ".reflex"}


def instructions(text: str) -> list[tuple[str, str]]:
    """(KEYWORD, arguments) per instruction, continuation lines joined, comments dropped."""
    result, current = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        keyword, _, arguments = (current + stripped).partition(" ")
        result.append((keyword.upper(), " ".join(arguments.split())))
        current = ""
    return result


def stages() -> list[list[tuple[str, str]]]:
    found: list[list[tuple[str, str]]] = []
    for keyword, arguments in instructions(DOCKERFILE.read_text()):
        if keyword == "FROM":
            found.append([])
        if found:
            found[-1].append((keyword, arguments))
    return found


def arguments_of(stage: list[tuple[str, str]], keyword: str) -> list[str]:
    return [arguments for found, arguments in stage if found == keyword]


def copies(stage: list[tuple[str, str]]) -> list[tuple[list[str], list[str], str]]:
    """(flags, sources, destination) of each COPY."""
    result = []
    for arguments in arguments_of(stage, "COPY"):
        words = arguments.split()
        flags = [word for word in words if word.startswith("--")]
        paths = [word for word in words if not word.startswith("--")]
        result.append((flags, paths[:-1], paths[-1]))
    return result


def test_the_image_has_a_builder_stage_and_a_runtime_stage():
    builder, runtime = stages()

    assert builder[0][1].endswith("AS builder")
    assert "AS" not in runtime[0][1]


def test_the_image_builds_and_starts_with_the_commands_the_tests_run():
    builder, runtime = stages()

    assert BUILD in arguments_of(builder, "RUN")
    assert [json.loads(cmd) for cmd in arguments_of(runtime, "CMD")] == [SERVE]
    assert not any("kombo_portal" in run for run in arguments_of(runtime, "RUN"))


def test_the_browser_tests_start_the_app_with_the_images_command(monkeypatch, tmp_path):
    launched = []
    monkeypatch.setattr(subprocess, "Popen", lambda argv, **_: launched.append(argv))

    app_server._launch({}, 4321, tmp_path / "app.log")

    assert launched[0] == [sys.executable, *SERVE[1:], "--port", "4321"]


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (["serve"], f"python -m kombo_portal serve --port {DEFAULT_PORT}"),
        (
            ["serve", "WORKERS=2", "PORT=8080"],
            "python -m kombo_portal serve --port 8080 --workers 2",
        ),
        (["build"], f"{BUILD} --port {DEFAULT_PORT}"),
        (["build", "PORT=8080"], f"{BUILD} --port 8080"),
    ],
)
def test_make_runs_the_same_commands(target, expected):
    result = subprocess.run(
        # Under `make test` this make is a sub-make, which would announce its folder.
        ["make", "--no-print-directory", "--dry-run", "--always-make", *target],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].endswith(expected)


def test_the_app_runs_as_a_user_that_is_not_root_and_owns_only_what_it_writes():
    _, runtime = stages()
    keywords = [keyword for keyword, _ in runtime]

    (user,) = arguments_of(runtime, "USER")
    assert user not in ("root", "0") and not user.startswith(("root:", "0:"))
    assert any("useradd" in run and run.endswith(user) for run in arguments_of(runtime, "RUN"))
    # Everything after USER runs as that user; CMD comes after it.
    assert keywords.index("USER") < keywords.index("CMD")
    owned = {
        Path(source).name
        for flags, sources, _ in copies(runtime)
        if f"--chown={user}:{user}" in flags
        for source in sources
    }
    made = {
        Path(path).name
        for run in arguments_of(runtime, "RUN")
        if run.startswith(f"install -d -o {user} -g {user}")
        for path in run.split()[6:]
    }
    assert owned | made == WRITABLE
    assert owned & made == set()


def test_everything_the_image_copies_exists():
    builder, runtime = stages()
    ignored = [
        line.strip()
        for line in (PROJECT_ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    copied_into_builder = set()

    for flags, sources, _ in copies(builder):
        assert not flags
        for source in sources:
            path = source.rstrip("/")
            assert (PROJECT_ROOT / path).exists(), source
            assert not any(fnmatch.fnmatch(path, pattern) for pattern in ignored), source
            copied_into_builder.add(path)
    for flags, sources, _ in copies(runtime):
        assert any(flag == "--from=builder" for flag in flags)
        for source in sources:
            assert source.startswith("/app/")
            assert source.removeprefix("/app/") in copied_into_builder | BUILT, source


def test_the_image_checks_health_on_the_port_it_exposes():
    _, runtime = stages()
    environment = " ".join(arguments_of(runtime, "ENV")).split()

    assert arguments_of(runtime, "EXPOSE") == [str(DEFAULT_PORT)]
    assert f"PORT={DEFAULT_PORT}" in environment
    (healthcheck,) = arguments_of(runtime, "HEALTHCHECK")
    assert "/healthz" in healthcheck
    assert "os.environ.get('PORT', '3000')" in healthcheck


def test_serve_after_build_neither_builds_nor_needs_npm_registry(tmp_path):
    """What the image does: `build` (npm install and frontend build), later `serve`."""
    web_workdir = app_server.web_workdir_for("build")
    shutil.rmtree(PROJECT_ROOT / web_workdir, ignore_errors=True)
    env = app_server.app_environment(tmp_path, {}, web_workdir)
    port = free_port()
    try:
        built = subprocess.run(
            [sys.executable, "-m", "kombo_portal", "build", "--port", str(port)],
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=app_server.STARTUP_TIMEOUT_SECONDS,
        )
        assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
        assert (PROJECT_ROOT / web_workdir / "build" / "client" / "index.html").is_file()

        # An npm registry that does not answer: a start that needed npm would fail.
        offline = {"npm_config_registry": "http://127.0.0.1:9/", "npm_config_fetch_retries": "0"}
        app = app_server.start_app(tmp_path, offline, port=port, web_workdir=web_workdir)
        try:
            assert httpx.get(f"{app.url}/healthz", timeout=10).json()["status"] == "ok"
        finally:
            app.stop()
        log = app.log_path.read_text()
        assert "Installing frontend packages" not in log
        assert "Frontend build skipped: " in log
        assert "Building the frontend" not in log and "Creating Production Build" not in log
    finally:
        shutil.rmtree(PROJECT_ROOT / web_workdir, ignore_errors=True)
