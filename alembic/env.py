"""Alembic environment: migrates the engine handed over by kombo_portal.db.migrations,
or the configured REFLEX_DB_URL when run as `alembic upgrade head`."""

from alembic import context
from sqlmodel import SQLModel

import kombo_portal.db.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from kombo_portal.db.engine import get_engine

engine = context.config.attributes.get("engine") or get_engine()

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        # SQLite cannot ALTER most things in place; batch mode rebuilds tables.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
