"""What the many-users benchmark reads from py-spy's profile of the backend worker: how
the event loop's thread spent the load, and which libraries and functions the busy
samples of all its threads were in."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from bench.profiler import Recording, Stacks, ranking
from bench.stats import share

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


def generic(frame: str) -> bool:
    return any(needle in frame for needle in GENERIC_FRAMES)


def is_sql(frame: str) -> bool:
    return any(needle in frame for needle in LIBRARIES[0][1])


def busy_stacks(stacks: Stacks) -> Stacks:
    """The samples in which a thread was working, or waiting for the database, rather
    than waiting for work."""
    return Counter(
        {
            frames: count
            for frames, count in stacks.items()
            if frames and not any(waiting in frames[-1] for waiting in WAITING_FRAMES)
        }
    )


# A thread queued for SQLite's one writer: its innermost Python frame is transaction()
# (the lock is taken in C, which py-spy does not show). Asleep, not working: without
# this label those samples counted as "the portal's own Python", half the burst's.
WRITE_LOCK_WAIT = "waiting for SQLite's write lock (in transaction())"


def waits_for_write_lock(frames: tuple[str, ...]) -> bool:
    return frames[-1].startswith("transaction (kombo_portal/db/transaction.py")


def library_of(frames: tuple[str, ...]) -> str:
    if waits_for_write_lock(frames):
        return WRITE_LOCK_WAIT
    for frame in reversed(frames):
        for label, needles in LIBRARIES:
            if any(needle in frame for needle in needles):
                return label
    return "other"


def by_library(stacks: Stacks) -> list[tuple[str, int]]:
    counts: Counter[str] = Counter()
    for frames, count in stacks.items():
        counts[library_of(frames)] += count
    return counts.most_common()


@dataclass
class LoopShares:
    """How the event loop's thread (the one serving every websocket) spent the load,
    in samples: py-spy samples it whether it works or waits."""

    total: int = 0
    waiting: int = 0  # in select(): free for the next event
    sql: int = 0  # in a database call made on the loop: nothing else runs meanwhile
    sql_begin: int = 0  # of which BEGIN IMMEDIATE: waiting for SQLite's write lock
    sql_commit: int = 0  # of which COMMIT (the WAL written and synced)


def loop_shares(stacks: Stacks) -> LoopShares:
    shares = LoopShares()
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
    return shares


def profile_notes(name: str, rate: int, profile: Recording, *, short: bool = False) -> list[str]:
    stacks = profile.stacks
    if not stacks:
        return [f"Profile ({name}): {profile.error or 'py-spy recorded nothing'}"]
    busy = busy_stacks(stacks)
    total = sum(busy.values()) or 1
    loop = loop_shares(stacks)

    def listing(rows: list[tuple[str, int]]) -> str:
        return "; ".join(f"{function} {share(count, total)}" for function, count in rows)

    notes = [
        f"Worker profile ({name}, py-spy at {rate}/s): the event loop's thread idle "
        f"{share(loop.waiting, loop.total)}, in SQL {share(loop.sql, loop.total)} (write-lock "
        f"wait {share(loop.sql_begin, loop.total)}, commit {share(loop.sql_commit, loop.total)})"
        f". All threads' busy samples ({total}) by library: {listing(by_library(busy))}."
    ]
    if not short:
        notes += [
            "Inclusive (share of busy samples with the function on the stack): "
            + listing(ranking(busy, inclusive=True, top=12, skip=generic)),
            "Self (share of busy samples at the top of the stack): "
            + listing(ranking(busy, inclusive=False, top=8)),
        ]
    return notes


def biggest_cost(paced: Stacks, burst: Stacks, users: int) -> str:
    loop, crowd = loop_shares(paced), loop_shares(burst)
    if not loop.total or not crowd.total:
        return "no profile of the event loop (is py-spy installed in .venv?); see the figures"
    busy = busy_stacks(paced)
    busy_total = sum(busy.values())
    libraries = dict(by_library(busy))
    inclusive = ranking(busy, inclusive=True, top=200, skip=generic)
    sessions = next((n for name, n in inclusive if name.startswith("resolve_session")), 0)
    crowd_busy = busy_stacks(burst)
    crowd_total = sum(crowd_busy.values())
    queued = sum(n for frames, n in crowd_busy.items() if waits_for_write_lock(frames))
    crowd_libraries = dict(by_library(crowd_busy))
    return (
        f"with the {users} users at once, the queue for SQLite's one writer: "
        f"{share(queued, crowd_total)} of the worker threads' busy samples are threads "
        "waiting in transaction() for the write lock, and SQLAlchemy and sqlite3 "
        f"{share(crowd_libraries.get(LIBRARIES[0][0], 0), crowd_total)}; the event loop is "
        f"idle {share(crowd.waiting, crowd.total)} of the burst, the rest waiting for the "
        "GIL the database threads hold. Each user's steps write several times (the connect "
        "attempt, the sandbox's link and integration, the webhooks, the activation), and "
        "the last user's writes wait behind everyone's. Under the paced load SQLAlchemy and "
        f"sqlite3 are {share(libraries.get(LIBRARIES[0][0], 0), busy_total)} of the busy "
        f"samples (Reflex: {share(libraries.get('Reflex (events, state, deltas)', 0), busy_total)}"
        f"); the session check, now kept for a few seconds, {share(sessions, busy_total)}; "
        f"the event loop runs no SQL ({share(loop.sql, loop.total)} of its samples)."
    )
