"""Database work for code running on the web server's event loop: in threads of the
portal's own pool.

Not the loop's default executor (`asyncio.to_thread`): that one is small (CPU count
+ 4 threads) and shared with whatever else blocks, such as DNS lookups for outgoing
requests. While those wait, database work queued behind them, and a step the page
must finish within Kombo's timeout did not.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

# At most this many transactions of a process at once; below the connection pool's
# size (db.engine), so a thread never waits for a connection. Few: database work
# holds the GIL for much of its time, so more threads only take turns at it. With
# 200 users at once (bench/many_users.py) 4 threads finished the load 15-25 % sooner
# than 16, on SQLite (whose writers queue anyway) and PostgreSQL alike.
DATABASE_THREADS = 4

_pool = ThreadPoolExecutor(max_workers=DATABASE_THREADS, thread_name_prefix="database")

P = ParamSpec("P")
R = TypeVar("R")


async def in_database_thread(function: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """`function(*args, **kwargs)` in a database thread; the caller's context (the
    request or event id its log lines carry) goes with it."""
    call = functools.partial(contextvars.copy_context().run, function, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(_pool, call)
