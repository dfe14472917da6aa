"""py-spy, the sampling profiler the scenarios attach to the server: found, run and read
in one way.

py-spy is a dev dependency, not a product one: without it the scenarios still give
their figures, and say that the profile is missing.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from harness.processes import VENV_BIN

Stacks = Counter[tuple[str, ...]]  # each sampled stack, outermost frame first: its samples


def py_spy() -> str | None:
    """py-spy from this virtualenv, else from PATH."""
    return shutil.which("py-spy", path=VENV_BIN) or shutil.which("py-spy")


class Recording:
    """`py-spy record` on a process, in py-spy's raw format, until stopped.

    `flags` are py-spy's: --subprocesses (the app's workers too), --threads (a frame
    naming each stack's thread), --idle (waiting threads too), --gil (only the thread
    holding the GIL), --nonblocking (the process is not paused for each sample).
    """

    def __init__(self, pid: int, output: Path, *, rate: int, flags: Sequence[str] = ()) -> None:
        self.output = output
        self.error = ""
        self.stacks: Stacks = Counter()  # read when stopped
        self._log = output.with_suffix(".log")
        self._process: subprocess.Popen[bytes] | None = None
        spy = py_spy()
        if spy is None:
            self.error = "py-spy is not installed: no profile"
            return
        command = [spy, "record", "--pid", str(pid), "--rate", str(rate), "--format", "raw"]
        with self._log.open("wb") as log:
            self._process = subprocess.Popen(  # noqa: S603 (py-spy, fixed arguments)
                [*command, *flags, "--output", str(output)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )

    def stop(self) -> None:
        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
            try:
                self._process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)
        if not self.output.exists():
            log = self._log.read_text(errors="replace").strip()
            self.error = f"py-spy wrote no profile: {log[-300:]}"
            return
        for line in self.output.read_text(errors="replace").splitlines():
            frames, _, count = line.rpartition(" ")
            if frames and count.isdigit():
                self.stacks[tuple(frames.split(";"))] += int(count)


@contextmanager
def recording(
    pid: int,
    output: Path,
    *,
    rate: int,
    flags: Sequence[str] = (),
    attach_seconds: float = 2.0,
) -> Iterator[Recording]:
    """py-spy on `pid` while the block runs. It first waits `attach_seconds`: py-spy
    finds the processes and their threads before it samples them."""
    profile = Recording(pid, output, rate=rate, flags=flags)
    if not profile.error:
        time.sleep(attach_seconds)
    try:
        yield profile
    finally:
        profile.stop()


def function_of(frame: str) -> str:
    """`name (path/file.py:123)` without the line: to add up one function's samples."""
    name, _, where = frame.partition(" (")
    return f"{name} ({where.rsplit(':', 1)[0]})" if where else name


def name_of(frame: str) -> str:
    return frame.partition(" (")[0]


def short_frame(frame: str) -> str:
    """`start_connect (kombo_portal/use_cases/connect.py:80)` -> `start_connect (connect.py:80)`."""
    function, _, where = frame.partition(" (")
    return f"{function} ({where.rsplit('/', 1)[-1]}" if where else function


def ranking(
    stacks: Stacks,
    *,
    inclusive: bool,
    top: int,
    skip: Callable[[str], bool] = lambda frame: False,
) -> list[tuple[str, int]]:
    """Functions by their samples on the stack (inclusive) or at its top (self); frames
    that `skip` holds for are passed over."""
    counts: Counter[str] = Counter()
    for frames, count in stacks.items():
        functions = [function_of(frame) for frame in frames if not skip(frame)]
        if inclusive:
            for function in set(functions):
                counts[function] += count
        elif functions:
            counts[functions[-1]] += count
    return counts.most_common(top)
