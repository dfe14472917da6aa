"""Alembic environment: migrates the engine handed over by kombo_portal.db.migrations,
or the configured REFLEX_DB_URL when run as `alembic upgrade head`."""

from alembic import context
from sqlalchemy import text

from kombo_portal.db.engine import get_engine
from kombo_portal.db.metadata import all_tables

engine = context.config.attributes.get("engine") or get_engine()

# Instances starting together on one PostgreSQL database take turns: the first
# migrates, the others then find the schema at head and change nothing. The lock
# belongs to the migration's transaction, so it ends with it, whatever happens
# (a pooled or proxied connection keeps no lock behind).
MIGRATION_LOCK_KEY = 0x6B6F6D626F  # "kombo"


with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=all_tables(),
        # SQLite cannot ALTER most things in place; batch mode rebuilds tables.
        render_as_batch=connection.dialect.name == "sqlite",
        # All migrations in one transaction on SQLite too (alembic's default there is
        # one per migration). Its write lock is taken as the transaction begins (BEGIN
        # IMMEDIATE, see db.engine), before alembic reads the current revision, so
        # instances starting together take turns: between two per-migration
        # transactions another one could read the old revision and apply the same
        # migration again.
        transactional_ddl=True,
        compare_type=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Before alembic reads the current revision, so a waiter reads it after.
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
            )
        context.run_migrations()
