"""One unit of work: everything in it is committed together, or nothing is."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlmodel import Session


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session
        session.commit()


@contextmanager
def reading(engine: Engine) -> Iterator[Session]:
    """Reads only: on SQLite it does not take the write lock (see db.engine)."""
    with Session(engine.execution_options(read_only=True), expire_on_commit=False) as session:
        yield session
