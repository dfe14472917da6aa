"""What a server's processes use: memory, CPU time and a thread's scheduling, read from
/proc (Linux), so that nothing needs installing."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")


def _stat_fields(pid: int | str) -> list[str]:
    """/proc/PID/stat after the command name, which may hold spaces and parentheses:
    [0] is the state, [1] the parent, [11] and [12] user and system time in ticks."""
    return (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()


def process_tree(root_pid: int) -> list[int]:
    """`root_pid` and every live descendant (the `serve` process and its workers)."""
    children: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            try:
                children.setdefault(int(_stat_fields(entry.name)[1]), []).append(int(entry.name))
            except OSError:
                continue  # gone meanwhile
    tree, pending = [], [root_pid]
    while pending:
        pid = pending.pop()
        if (PROC / str(pid)).exists():
            tree.append(pid)
            pending.extend(children.get(pid, []))
    return tree


def backend_worker(root_pid: int) -> int:
    """The process that runs the Reflex backend: granian's worker (the deepest of the
    tree; `serve` starts one), or the root without workers."""
    tree = process_tree(root_pid)
    return tree[-1] if tree else root_pid


@dataclass(frozen=True)
class TreeUsage:
    rss_bytes: int  # summed over the processes (pages shared after fork count twice)
    pss_bytes: int  # proportional: shared pages split between the processes that share them
    cpu_seconds: float  # user + system time of the live processes, so far
    processes: int


def tree_usage(root_pid: int) -> TreeUsage:
    ticks = os.sysconf("SC_CLK_TCK")
    rss = pss = 0
    cpu = 0.0
    pids = process_tree(root_pid)
    for pid in pids:
        try:
            status = (PROC / str(pid) / "status").read_text()
            rollup = (PROC / str(pid) / "smaps_rollup").read_text()
            fields = _stat_fields(pid)
        except OSError:
            continue
        rss += _kib(status, "VmRSS:") * 1024
        pss += _kib(rollup, "Pss:") * 1024
        cpu += (int(fields[11]) + int(fields[12])) / ticks
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


def thread_times(pid: int) -> ThreadTimes:
    """The main thread of `pid` (in the backend worker: the event loop)."""
    fields = (PROC / str(pid) / "task" / str(pid) / "schedstat").read_text().split()
    return ThreadTimes(int(fields[0]) / 1e9, int(fields[1]) / 1e9)
