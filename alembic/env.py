"""Alembic environment: migrates on the connection kombo_portal.db.migrations hands
over (in its transaction, already locked), or on the configured REFLEX_DB_URL when
run as `alembic upgrade heads` (both branches) or `alembic upgrade portal@head`.

The target metadata (what autogenerate compares with) is the portal's tables,
unless whoever runs alembic gives another in config.attributes["target_metadata"]
(the sandbox's, kombo_portal.sandbox.models.SANDBOX_METADATA, for a revision on
the `sandbox` branch). A new revision names its branch: `alembic revision -m ...
--head portal@head`, or `--head sandbox@head` for the sandbox's.
"""

from alembic import context
from sqlalchemy import Connection

from kombo_portal.db.engine import get_engine
from kombo_portal.db.metadata import portal_tables
from kombo_portal.db.migrations import take_migration_lock

config = context.config


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=config.attributes.get("target_metadata") or portal_tables(),
        # SQLite cannot ALTER most things in place; batch mode rebuilds tables.
        render_as_batch=connection.dialect.name == "sqlite",
        transactional_ddl=True,
        compare_type=True,
    )
    # Inside the caller's transaction, alembic begins none of its own: all the
    # migrations of a run commit together.
    with context.begin_transaction():
        context.run_migrations()


if (handed_over := config.attributes.get("connection")) is not None:
    run_migrations(handed_over)
else:
    with get_engine().connect() as connection, connection.begin():
        take_migration_lock(connection)
        run_migrations(connection)
