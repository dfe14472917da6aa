"""Alembic environment: migrates the engine handed over by kombo_portal.db.migrations,
or the configured REFLEX_DB_URL when run as `alembic upgrade head`."""

from alembic import context
from sqlalchemy import text

from kombo_portal.db.engine import get_engine
from kombo_portal.db.metadata import all_tables

engine = context.config.attributes.get("engine") or get_engine()

# Instances starting together on one PostgreSQL database take turns: the first
# migrates, the others then find the schema at head and change nothing.
MIGRATION_LOCK_KEY = 0x6B6F6D626F  # "kombo"


def run_migrations(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=all_tables(),
        # SQLite cannot ALTER most things in place; batch mode rebuilds tables.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


with engine.connect() as connection:
    if connection.dialect.name != "postgresql":
        run_migrations(connection)
    else:
        lock = {"key": MIGRATION_LOCK_KEY}
        connection.execute(text("SELECT pg_advisory_lock(:key)"), lock)
        connection.commit()  # the lock belongs to the session; no transaction stays open
        try:
            run_migrations(connection)
        finally:
            # A pooled connection outlives this block: release the lock explicitly.
            connection.rollback()
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), lock)
            connection.commit()
