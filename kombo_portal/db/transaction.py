"""One unit of work: everything in it is committed together, or nothing is."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from weakref import WeakKeyDictionary

from sqlalchemy import Engine
from sqlmodel import Session

_sqlite_writers: WeakKeyDictionary[Engine, threading.RLock] = WeakKeyDictionary()
_sqlite_writers_lock = threading.Lock()


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    with _one_writer_at_a_time(engine), Session(engine, expire_on_commit=False) as session:
        yield session
        session.commit()


@contextmanager
def reading(engine: Engine) -> Iterator[Session]:
    """Reads only: on SQLite it does not take the write lock (see db.engine)."""
    with Session(engine.execution_options(read_only=True), expire_on_commit=False) as session:
        yield session


def _one_writer_at_a_time(engine: Engine):
    """SQLite lets one transaction write at a time, and makes the others poll for the
    lock with sleeps of up to 100 ms (its busy handler): under a burst of webhooks
    that made the slowest answers take a second. Within a process, writers queue on
    a lock instead and start as soon as it is free; other processes still meet
    SQLite's own lock. PostgreSQL locks rows, not the database: nothing to do."""
    if engine.dialect.name != "sqlite":
        return nullcontext()
    with _sqlite_writers_lock:
        # Re-entrant: a nested transaction in the same thread fails as SQLite decides
        # (busy), instead of waiting for itself forever.
        return _sqlite_writers.setdefault(engine, threading.RLock())
