"""What the many-users benchmark watches on the server: the memory and CPU time of the
app's process tree (read from /proc, so nothing needs installing), and a py-spy
profile of the backend worker while the simulated users run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
# Frames every sample of the worker goes through (the event loop, granian's start-up):
# they say nothing about where the time goes, so the inclusive ranking leaves them out.
GENERIC_FRAMES = (
    "asyncio/",
    "granian/",
    "multiprocessing/",
    "click/",
    "reflex/reflex.py",
    "reflex/utils/exec.py",
    "selectors.py",
    "threading.py",
    "concurrent/futures/thread.py",
    "contextvars",
    "<module>",
)
# The portal's middleware is the outermost portal frame of every HTTP request: the
# caller that means something is the route or task below it.
MIDDLEWARE = ("kombo_portal/api/security.py", "kombo_portal/logs.py")
# Top frames of a thread that waits (for the next event, for work in the thread pool):
# py-spy does not always see such a thread as idle, and its samples are no cost.
WAITING_FRAMES = (
    "select (selectors.py",
    "Condition.wait (threading.py",
    "Event.wait (threading.py",
    "Queue.get (queue.py",
    "_worker (concurrent/futures/thread.py",
    "WorkerThread.run (anyio/",
)


@dataclass(frozen=True)
class TreeUsage:
    rss_bytes: int  # summed over the processes (pages shared after fork count twice)
    pss_bytes: int  # proportional: shared pages split between the processes that share them
    cpu_seconds: float  # user + system time of the processes, so far
    processes: int


def process_tree(root_pid: int) -> list[int]:
    """`root_pid` and every live descendant (the `serve` process and its granian worker)."""
    children: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        # The command name (field 2) may hold spaces and parentheses: split after it.
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    tree, pending = [], [root_pid]
    while pending:
        pid = pending.pop()
        if (PROC / str(pid)).exists():
            tree.append(pid)
            pending.extend(children.get(pid, []))
    return tree


def tree_usage(root_pid: int) -> TreeUsage:
    ticks = os.sysconf("SC_CLK_TCK")
    rss = pss = 0
    cpu = 0.0
    pids = process_tree(root_pid)
    for pid in pids:
        try:
            status = (PROC / str(pid) / "status").read_text()
            rollup = (PROC / str(pid) / "smaps_rollup").read_text()
            stat = (PROC / str(pid) / "stat").read_text()
        except OSError:
            continue
        rss += _kib(status, "VmRSS:") * 1024
        pss += _kib(rollup, "Pss:") * 1024
        fields = stat.rsplit(")", 1)[1].split()
        cpu += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return TreeUsage(rss_bytes=rss, pss_bytes=pss, cpu_seconds=cpu, processes=len(pids))


def _kib(text: str, key: str) -> int:
    for line in text.splitlines():
        if line.startswith(key):
            return int(line.split()[1])
    return 0


@dataclass(frozen=True)
class ThreadTimes:
    """One thread's scheduler accounting (/proc/PID/task/TID/schedstat), in seconds."""

    on_cpu: float  # running
    waiting_for_cpu: float  # runnable, but another process had the core

    def __sub__(self, earlier: ThreadTimes) -> ThreadTimes:
        return ThreadTimes(
            self.on_cpu - earlier.on_cpu, self.waiting_for_cpu - earlier.waiting_for_cpu
        )


def thread_times(pid: int, tid: int | None = None) -> ThreadTimes:
    """The thread `tid` of `pid` (default its main thread: the worker's event loop)."""
    fields = (PROC / str(pid) / "task" / str(tid or pid) / "schedstat").read_text().split()
    return ThreadTimes(int(fields[0]) / 1e9, int(fields[1]) / 1e9)


def backend_worker(root_pid: int) -> int:
    """The process that runs the Reflex backend: granian's worker (the deepest process of
    the tree; with `serve`'s single worker there is one), or the root without workers."""
    tree = process_tree(root_pid)
    return tree[-1] if tree else root_pid


def py_spy() -> Path | None:
    """py-spy from this virtualenv, if someone installed it (it is not a project package)."""
    candidate = Path(sys.executable).parent / "py-spy"
    return candidate if candidate.exists() else None


class Profile:
    """`py-spy record` on one process until stopped, as collapsed stacks (every thread,
    working or waiting)."""

    def __init__(self, pid: int, output: Path, rate: int) -> None:
        self.output = output
        self.error = ""
        spy = py_spy()
        self._process: subprocess.Popen[bytes] | None = None
        if spy is None:
            self.error = "py-spy is not installed in the virtualenv: no profile"
            return
        self._log = output.with_suffix(".log").open("wb")
        # --nonblocking: the server is not paused for each sample, so the profile
        # disturbs the latencies it is taken alongside as little as it can.
        self._process = subprocess.Popen(  # noqa: S603 (our own py-spy, fixed arguments)
            [
                str(spy),
                "record",
                "--pid",
                str(pid),
                "--rate",
                str(rate),
                "--format",
                "raw",
                "--nonblocking",
                # Waiting counts too: time the event loop spends blocked in a database
                # call (a lock, a sync to disk) stalls every websocket all the same.
                "--idle",
                "--output",
                str(output),
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
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
                self._process.wait()
        self._log.close()
        if not self.output.exists():
            log = self.output.with_suffix(".log").read_text(errors="replace")
            self.error = f"py-spy wrote no profile: {log.strip()[-300:]}"

    def stacks(self) -> Counter[tuple[str, ...]]:
        """Each sampled stack (outermost frame first) and how often it was seen."""
        stacks: Counter[tuple[str, ...]] = Counter()
        if self.error or not self.output.exists():
            return stacks
        for line in self.output.read_text(errors="replace").splitlines():
            frames, _, count = line.rpartition(" ")
            if frames and count.isdigit():
                stacks[tuple(frames.split(";"))] += int(count)
        return stacks


def function_of(frame: str) -> str:
    """ "name (path/file.py:123)" without its line number, to add up one function's samples."""
    name, _, where = frame.partition(" (")
    return f"{name} ({where.rsplit(':', 1)[0]})" if where else name


def name_of(frame: str) -> str:
    return frame.partition(" (")[0]


def ranking(
    stacks: Counter[tuple[str, ...]], *, inclusive: bool, top: int
) -> list[tuple[str, int]]:
    """Functions by the samples they were on the stack (inclusive) or at its top (self)."""
    counts: Counter[str] = Counter()
    for frames, count in stacks.items():
        if inclusive:
            for function in {function_of(frame) for frame in frames}:
                if not any(generic in function for generic in GENERIC_FRAMES):
                    counts[function] += count
        elif frames:
            counts[function_of(frames[-1])] += count
    return counts.most_common(top)


def busy_stacks(stacks: Counter[tuple[str, ...]]) -> Counter[tuple[str, ...]]:
    """The samples in which a thread was working, or waiting for the database, rather
    than waiting for work."""
    return Counter(
        {
            frames: count
            for frames, count in stacks.items()
            if frames and not any(waiting in frames[-1] for waiting in WAITING_FRAMES)
        }
    )


# Where a busy sample's time goes: the library of the innermost frame that belongs to
# one of these (checked in this order for each frame), so the shares add up to 100%.
LIBRARIES = (
    ("SQL (SQLAlchemy, sqlite3)", ("sqlalchemy/", "sqlite3", "sqlmodel/")),
    ("JSON and pickle", ("json/", "pickle", "_sio_dumps", "_sio_loads")),
    ("HTTP client to the in-process sandbox (httpx)", ("httpx/", "httpcore/")),
    ("socket.io / engine.io", ("socketio/", "engineio/")),
    ("logging", ("logging/", "kombo_portal/logs.py")),
    ("Starlette routes and middleware", ("starlette/",)),
    ("Reflex (events, state, deltas)", ("reflex/", "reflex_base/")),
    ("the portal's own Python", ("kombo_portal/",)),
    ("asyncio (the loop, hand-offs from threads)", ("asyncio/", "concurrent/", "threading.py")),
)


def by_library(stacks: Counter[tuple[str, ...]]) -> list[tuple[str, int]]:
    counts: Counter[str] = Counter()
    for frames, count in stacks.items():
        label = next(
            (
                label
                for frame in reversed(frames)
                for label, needles in LIBRARIES
                if any(needle in frame for needle in needles)
            ),
            "other",
        )
        counts[label] += count
    return counts.most_common()


def is_sql(frame: str) -> bool:
    return any(needle in frame for needle in LIBRARIES[0][1])


@dataclass
class LoopShares:
    """How the event loop's thread (the one serving every websocket) spent the load,
    in samples: py-spy samples it whether it works or waits."""

    total: int = 0
    waiting: int = 0  # in select(): free for the next event
    sql: int = 0  # in a database call made on the loop: nothing else runs meanwhile
    sql_begin: int = 0  # of which BEGIN IMMEDIATE: waiting for SQLite's write lock
    sql_commit: int = 0  # of which COMMIT (the WAL written and synced)
    sql_by_caller: Counter[str] | None = None  # the outermost portal function, by samples


def loop_shares(stacks: Counter[tuple[str, ...]]) -> LoopShares:
    shares = LoopShares(sql_by_caller=Counter())
    for frames, count in stacks.items():
        if not any("BaseEventLoop.run_forever" in frame for frame in frames):
            continue  # a thread-pool thread, not the loop
        shares.total += count
        if "select (selectors.py" in frames[-1]:
            shares.waiting += count
        elif any(is_sql(frame) for frame in frames):
            shares.sql += count
            if any("_begin_immediately" in frame for frame in frames):
                shares.sql_begin += count
            elif any("do_commit" in frame for frame in frames):
                shares.sql_commit += count
            caller = next(
                (f for f in frames if "kombo_portal/" in f and not any(m in f for m in MIDDLEWARE)),
                "(not the portal's)",
            )
            shares.sql_by_caller[name_of(caller)] += count
    return shares
