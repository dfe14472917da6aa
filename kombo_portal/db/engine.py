"""The SQLAlchemy engine for REFLEX_DB_URL (SQLite by default, PostgreSQL for scale-out)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url

from kombo_portal.config import PROJECT_ROOT, get_settings

# Connections kept open per process: one for each of the portal's database threads
# (db.threads), where requests', events' and the sandbox's database work runs, and a
# few for work outside them (startup, migrations).
POOL_SIZE = 20


def normalise_database_url(url: str) -> URL:
    """Parse a database URL: psycopg 3 for PostgreSQL (the driver the project
    installs), and relative SQLite paths taken from the project folder, so the
    database is the same whichever folder a command runs in."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if (
        parsed.get_backend_name() == "sqlite"
        and parsed.database
        and parsed.database != ":memory:"
        and not Path(parsed.database).is_absolute()
    ):
        parsed = parsed.set(database=str(PROJECT_ROOT / parsed.database))
    return parsed


def create_database_engine(url: str) -> Engine:
    parsed = normalise_database_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _create_sqlite_engine(parsed)
    return create_engine(
        parsed,
        pool_pre_ping=True,
        # Connections kept open per process. Beyond these, each use opens and closes
        # one (a TCP and authentication handshake): with SQLAlchemy's default of 5,
        # 16 concurrent webhook deliveries spent 6 % of their time connecting.
        pool_size=POOL_SIZE,
        # Database errors end up in logs: without the values (emails, webhook bodies).
        hide_parameters=True,
        connect_args={"connect_timeout": 5} if parsed.get_backend_name() == "postgresql" else {},
    )


def _create_sqlite_engine(url: URL) -> Engine:
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        # The web server hands requests to a thread pool; each thread gets its
        # own pooled connection, so sharing across threads is safe here.
        connect_args={"check_same_thread": False, "timeout": 15},
        # As many kept as for PostgreSQL: with SQLAlchemy's default of 5, a page's
        # events beyond 5 at once each opened a connection and configured it (10 %
        # of the worker's busy time with 200 users), then closed it again.
        pool_size=POOL_SIZE,
        hide_parameters=True,
    )

    @event.listens_for(engine, "connect")
    def _configure_connection(dbapi_connection, _record) -> None:
        # SQLAlchemy, not the driver, decides where transactions begin (below), so
        # savepoints work as documented.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # WAL lets readers go on while one writer commits.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin_immediately(connection) -> None:
        # Take the write lock at the start: two transactions that read and then
        # write would otherwise deadlock, and SQLite fails one at once instead of
        # letting it wait its turn. Reads (db.transaction.reading) need no lock.
        if connection.get_execution_options().get("read_only"):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class DatabaseNotMigrated(RuntimeError):
    """The database answers but its schema is not the one this code expects."""


def check_database(engine: Engine, *, sandbox: bool) -> None:
    """Raise if the database does not answer, or DatabaseNotMigrated if its schema is
    not the one of the mode (`sandbox`: with the sandbox's tables)."""
    from kombo_portal.db.migrations import is_at_head

    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
        if not is_at_head(connection, sandbox=sandbox):
            raise DatabaseNotMigrated("run `python -m kombo_portal migrate`")


@lru_cache(maxsize=1)
def get_engine() -> Engine:
    """The process's engine for the configured database."""
    return create_database_engine(get_settings().infrastructure.database_url)
