"""Where the webhook route's time goes: the webhook benchmark's portal run with py-spy
attached to the server's processes during the load only.

    python -m bench.webhooks_profile --quick --database sqlite
    python -m bench.webhooks_profile --database postgresql --idle

Needs py-spy in the virtualenv (`pip install py-spy`). Writes py-spy's collapsed
stacks (`--out`, default a temporary folder; speedscope and flamegraph tools read
them) and prints the functions most often on the stack and at its top, per kind of
thread: the event loop (granian's worker main thread) and the thread pool the route
hands the database work to. With `--idle`, samples of threads that wait (a database
answer, a lock) count too: that shows round trips. With `--gil`, only the thread that
holds the GIL: the Python CPU time of a single-worker server, which bounds its rate.
Without either, py-spy's guess of the active threads (C code waiting on a database
without the GIL counts as active).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.webhooks import FULL, QUICK, database_urls, measure_portal
from tests.support.app_server import RunningApp

# Low enough that py-spy, reading some 40 threads' stacks per sample, slows the server
# down little (at 250/s with --idle, it ran at a quarter of its speed).
SAMPLES_PER_SECOND = 100
# Frames every sample goes through; they say nothing about where the time goes.
GENERIC = re.compile(
    r"^(<module>|_bootstrap|_bootstrap_inner|run|_run_once|run_forever|run_until_complete|"
    r"worker|_worker|serve|_serve_wrapper|spawn_main|_main|_spawn|main|start|"
    r"_asgi_serve|_serve_loop|__call__) "
)


def py_spy() -> Path:
    spy = Path(sys.executable).parent / "py-spy"
    if not spy.exists():
        raise SystemExit("py-spy is not installed: .venv/bin/pip install py-spy")
    return spy


@contextmanager
def recording(output: Path, idle: bool, gil: bool) -> Iterator[object]:
    """A context for measure_portal: py-spy on the app's process tree during the load."""

    @contextmanager
    def observe(app: RunningApp) -> Iterator[None]:
        command = [
            str(py_spy()),
            "record",
            "--pid",
            str(app.pid),
            "--subprocesses",  # granian's worker is a child of the `serve` process
            "--threads",
            "--rate",
            str(SAMPLES_PER_SECOND),
            "--format",
            "raw",
            "--output",
            str(output),
            *(["--idle"] if idle else []),
            *(["--gil"] if gil else []),
        ]
        process = subprocess.Popen(  # noqa: S603 (our own command line, no shell)
            command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        time.sleep(1.5)  # py-spy attaches to every process of the tree first
        try:
            yield
        finally:
            # SIGINT: py-spy stops sampling and writes what it has.
            process.send_signal(signal.SIGINT)
            _, errors = process.communicate(timeout=60)
            if not output.exists():
                raise RuntimeError(f"py-spy wrote nothing: {errors.decode(errors='replace')}")

    yield observe


def read_stacks(path: Path) -> Counter[tuple[str, ...]]:
    """py-spy's raw format: `frame;frame;... count`, outermost first (thread first)."""
    stacks: Counter[tuple[str, ...]] = Counter()
    for line in path.read_text().splitlines():
        frames, _, count = line.rpartition(" ")
        if frames and count.isdigit():
            stacks[tuple(frames.split(";"))] += int(count)
    return stacks


def thread_kind(stack: tuple[str, ...]) -> str:
    """Which thread a sample is from: with --subprocesses and --threads, a stack starts
    with `process ...` frames (the supervisor, then the worker) and a `thread (id): name`."""
    processes = sum(1 for frame in stack if frame.startswith("process "))
    thread = next((frame for frame in stack if frame.startswith("thread (")), "")
    name = thread.partition("): ")[2] or "unnamed"
    if processes < 2:
        return f"supervisor, {name}"
    if name == "MainThread":
        return "worker, event loop"
    if name == "AnyIO worker thread":
        return "worker, thread pool"
    return f"worker, {name} thread"


def ranking(stacks: Counter[tuple[str, ...]], inclusive: bool, top: int) -> list[tuple[str, int]]:
    counts: Counter[str] = Counter()
    for stack, samples in stacks.items():
        frames = [frame for frame in stack if "(" in frame and not GENERIC.match(frame)]
        if not frames:
            continue
        if inclusive:
            for frame in set(frames):
                counts[frame] += samples
        else:
            counts[frames[-1]] += samples
    return counts.most_common(top)


def report(path: Path, top: int) -> str:
    stacks = read_stacks(path)
    total = sum(stacks.values())
    by_kind: dict[str, Counter[tuple[str, ...]]] = {}
    for stack, samples in stacks.items():
        by_kind.setdefault(thread_kind(stack), Counter())[stack] += samples
    lines = [f"{total} samples at {SAMPLES_PER_SECOND}/s in {path}"]
    for kind, kind_stacks in sorted(by_kind.items(), key=lambda item: -sum(item[1].values())):
        kind_total = sum(kind_stacks.values())
        lines.append(f"\n== {kind}: {kind_total} samples ({kind_total / total:.0%})")
        for title, inclusive in (("on the stack", True), ("at the top", False)):
            lines.append(f"-- {title}")
            for frame, samples in ranking(kind_stacks, inclusive, top):
                lines.append(f"{samples:7d} {samples / kind_total:6.1%}  {frame}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.webhooks_profile", description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--idle", action="store_true", help="count waiting threads too")
    mode.add_argument(
        "--gil", action="store_true", help="only the thread holding the GIL: Python's CPU time"
    )
    parser.add_argument("--out", type=Path, help="folder for the collapsed stacks")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="bench-webhooks-profile-"))
    out.mkdir(parents=True, exist_ok=True)
    kind = "-idle" if args.idle else "-gil" if args.gil else ""
    output = out / f"webhooks-{args.database}{kind}.txt"
    label = "SQLite" if args.database == "sqlite" else "PostgreSQL"
    sizes = QUICK if args.quick else FULL
    with (
        tempfile.TemporaryDirectory(prefix="bench-webhooks-") as folder,
        database_urls(label, Path(folder)) as (portal_url, _),
        recording(output, args.idle, args.gil) as observe,
    ):
        measured, _, _ = measure_portal(
            Path(folder),
            portal_url,
            sizes,
            random.Random(f"webhooks-{sizes.distinct}"),  # noqa: S311 (not for secrets)
            observe=observe,  # type: ignore[arg-type]
        )
    load = measured.load
    print(
        f"{label}: {measured.applied} applied in {load.wall_seconds:.1f} s "
        f"({measured.per_second:.0f}/s, under the profiler), p50 {load.percentile_ms(0.5):.0f} ms, "
        f"p99 {load.percentile_ms(0.99):.0f} ms"
    )
    print(report(output, args.top))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
