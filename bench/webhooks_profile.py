"""Where the webhook route's time goes: the webhook benchmark's portal run with py-spy
attached to the server's processes during the load only.

    python -m bench.webhooks_profile --quick --database sqlite
    python -m bench.webhooks_profile --database postgresql --idle

Writes py-spy's raw collapsed stacks (`--out`, default a temporary folder; speedscope
and flamegraph tools read them) and prints the functions most often on the stack and
at its top, per kind of thread: the event loop (granian's worker main thread) and the
thread pool the route hands the database work to. `--idle` counts waiting threads too
(round trips show); `--gil` only the thread holding the GIL (the Python CPU time that
bounds a single worker's rate); neither, py-spy's guess of the active threads.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.profiler import Recording, Stacks, py_spy, ranking, recording
from bench.webhooks import FULL, QUICK, database_urls, measure_portal
from harness.app_server import RunningApp

# Low enough that py-spy, reading some 40 threads' stacks per sample, slows the server
# down little (at 250/s with --idle, it ran at a quarter of its speed).
SAMPLES_PER_SECOND = 100
# Frames every sample goes through; they say nothing about where the time goes.
GENERIC = re.compile(
    r"^(<module>|_bootstrap|_bootstrap_inner|run|_run_once|run_forever|run_until_complete|"
    r"worker|_worker|serve|_serve_wrapper|spawn_main|_main|_spawn|main|start|"
    r"_asgi_serve|_serve_loop|__call__) "
)


def not_a_function(frame: str) -> bool:
    """py-spy's `process …` and `thread (…)` frames, and the generic ones."""
    return (
        frame.startswith(("process ", "thread (")) or "(" not in frame or bool(GENERIC.match(frame))
    )


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


def report(stacks: Stacks, path: Path, top: int) -> str:
    total = sum(stacks.values())
    by_kind: dict[str, Stacks] = {}
    for stack, samples in stacks.items():
        by_kind.setdefault(thread_kind(stack), Counter())[stack] += samples
    lines = [f"{total} samples at {SAMPLES_PER_SECOND}/s in {path}"]
    for kind, kind_stacks in sorted(by_kind.items(), key=lambda item: -sum(item[1].values())):
        kind_total = sum(kind_stacks.values())
        lines.append(f"\n== {kind}: {kind_total} samples ({kind_total / total:.0%})")
        for title, inclusive in (("on the stack", True), ("at the top", False)):
            lines.append(f"-- {title}")
            for frame, samples in ranking(
                kind_stacks, inclusive=inclusive, top=top, skip=not_a_function
            ):
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
    if py_spy() is None:
        raise SystemExit("py-spy is not installed: .venv/bin/pip install py-spy")
    suffix = "-idle" if args.idle else "-gil" if args.gil else ""
    mode_flags = [f"-{suffix}"] if suffix else []
    output = out / f"webhooks-{args.database}{suffix}.txt"
    label = "SQLite" if args.database == "sqlite" else "PostgreSQL"
    sizes = QUICK if args.quick else FULL
    profiles: list[Recording] = []

    @contextmanager
    def observe(app: RunningApp) -> Iterator[None]:
        # --subprocesses: granian's worker is a child of the `serve` process.
        flags = ["--subprocesses", "--threads", *mode_flags]
        with recording(app.pid, output, rate=SAMPLES_PER_SECOND, flags=flags) as profile:
            profiles.append(profile)
            yield

    with (
        tempfile.TemporaryDirectory(prefix="bench-webhooks-") as folder,
        database_urls(label, Path(folder)) as (portal_url, _),
    ):
        rng = random.Random(f"webhooks-{sizes.distinct}")  # noqa: S311 (not for secrets)
        load, _, _ = measure_portal(Path(folder), portal_url, sizes, rng, observe=observe)
    if profiles[0].error:
        raise SystemExit(profiles[0].error)
    print(
        f"{label}: {load.applied} applied in {load.wall_seconds:.1f} s "
        f"({load.per_second:.0f}/s, under the profiler), p50 {load.percentile_ms(50):.0f} ms, "
        f"p99 {load.percentile_ms(99):.0f} ms"
    )
    print(report(profiles[0].stacks, output, args.top))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
