"""Two transactions at once, the first kept open while the second runs: how the
races of a double click, two tabs or two webhooks meet the database.

On SQLite a process's writers take turns anyway (db.transaction), so tests built on
this prove their point on PostgreSQL (TEST_POSTGRES_URL, which CI sets); on SQLite
they check that the same steps give the same answer there."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy import Engine

from kombo_portal.db.transaction import transaction

# How long the first transaction stays open after the second has started: enough for
# the second to reach the database, where it must wait for the first.
OVERLAP_SECONDS = 0.5


def twice_at_once(engine: Engine, first: Callable, second: Callable) -> list:
    """`first(session)` in a transaction kept open a moment while `second(session)`
    runs in its own, in another thread: what each returned or raised, in that order."""
    outcomes: list = [None, None]
    second_started = threading.Event()

    def run_second() -> None:
        second_started.set()
        try:
            with transaction(engine) as session:
                outcomes[1] = second(session)
        except Exception as error:
            outcomes[1] = error

    racing = threading.Thread(target=run_second)
    with transaction(engine) as session:
        outcomes[0] = first(session)
        racing.start()
        assert second_started.wait(timeout=10)
        time.sleep(OVERLAP_SECONDS)
    racing.join(timeout=10)
    assert not racing.is_alive(), "the second transaction never finished"
    return outcomes
