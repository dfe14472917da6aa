"""Alembic environment: migrates the engine handed over by kombo_portal.db.migrations,
or the configured REFLEX_DB_URL when run as `alembic upgrade head`."""

from alembic import context

from kombo_portal.db.engine import get_engine
from kombo_portal.db.metadata import all_tables

engine = context.config.attributes.get("engine") or get_engine()

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=all_tables(),
        # SQLite cannot ALTER most things in place; batch mode rebuilds tables.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
