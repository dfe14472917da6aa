"""Database work from the event loop runs in the portal's own threads."""

import asyncio
import contextvars
import threading

from kombo_portal.db.threads import in_database_thread

request_id = contextvars.ContextVar("request_id", default="")


async def test_database_work_runs_while_the_loops_default_executor_is_blocked():
    """What blocks in the default executor (DNS lookups, say) does not hold it up."""
    release = threading.Event()
    loop = asyncio.get_running_loop()
    # More blocked calls than the default executor has threads: it is full.
    blocked = [asyncio.to_thread(release.wait) for _ in range(64)]
    waiting = asyncio.gather(*blocked)
    try:
        name = await asyncio.wait_for(
            in_database_thread(lambda: threading.current_thread().name), timeout=30
        )
    finally:
        release.set()
        await waiting
    assert name.startswith("database")
    assert loop.is_running()


async def test_the_callers_context_goes_with_the_work():
    request_id.set("req-42")

    seen = await in_database_thread(request_id.get)

    assert seen == "req-42"


async def test_arguments_and_errors_come_back():
    def divide(a: int, b: int = 1) -> float:
        return a / b

    assert await in_database_thread(divide, 6, b=3) == 2
    try:
        await in_database_thread(divide, 1, b=0)
    except ZeroDivisionError:
        pass
    else:
        raise AssertionError("the error was not raised to the caller")
