"""Apply the alembic migrations (configured in pyproject.toml's [tool.alembic]).

Two branches: the portal's (`portal`, in alembic/versions) and the local
sandbox's (`sandbox`, kept with the sandbox), which only a sandbox-mode database
carries. A real-mode upgrade removes the sandbox's tables where an earlier
version left them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

from kombo_portal.config import PROJECT_ROOT

logger = logging.getLogger(__name__)

PORTAL_BRANCH = "portal"
SANDBOX_BRANCH = "sandbox"

# The tables the portal's revision 0002 made in every database before the sandbox
# had migrations of its own: a real-mode upgrade finds them there unrecorded.
TABLES_OF_THE_OLD_0002 = (
    "sandbox_activation_token",
    "sandbox_integration",
    "sandbox_link",
    "sandbox_webhook_delivery",
)

# Instances starting together on one PostgreSQL database take turns: the first
# migrates, the others then find the schema at head and change nothing. The lock
# belongs to the migration's transaction, so it ends with it, whatever happens
# (a pooled or proxied connection keeps no lock behind).
MIGRATION_LOCK_KEY = 0x6B6F6D626F  # "kombo"


def _pyproject_config() -> Config:
    return Config(toml_file=PROJECT_ROOT / "pyproject.toml")


@lru_cache(maxsize=1)
def _script() -> ScriptDirectory:
    """The revisions of both branches (read once)."""
    return ScriptDirectory.from_config(_pyproject_config())


def head_revisions(*, sandbox: bool) -> frozenset[str]:
    """The revisions a fully migrated database of the mode is at."""
    branches = (PORTAL_BRANCH, SANDBOX_BRANCH) if sandbox else (PORTAL_BRANCH,)
    heads = (_script().get_revision(f"{branch}@head") for branch in branches)
    return frozenset(head.revision for head in heads if head is not None)


def is_at_head(connection: Connection, *, sandbox: bool) -> bool:
    current = MigrationContext.configure(connection).get_current_heads()
    return frozenset(current) == head_revisions(sandbox=sandbox)


def take_migration_lock(connection: Connection) -> None:
    """Before alembic reads the current revision, so a waiting instance reads it after.
    On SQLite the transaction's BEGIN IMMEDIATE (db.engine) is the lock."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})


@contextmanager
def _migrating(engine: Engine) -> Iterator[Config]:
    """An alembic configuration whose commands all run in one transaction (alembic/env.py
    uses the connection it carries), locked before alembic reads the current revision:
    on SQLite by its BEGIN IMMEDIATE (db.engine), on PostgreSQL by an advisory lock. So
    instances starting together take turns: between two transactions of one upgrade,
    another could read the old revision and apply the same migration again."""
    with engine.connect() as connection, connection.begin():
        take_migration_lock(connection)
        config = _pyproject_config()
        config.attributes["connection"] = connection
        yield config


def upgrade_to_head(engine: Engine, *, sandbox: bool) -> None:
    """The portal's schema to its head; the sandbox's to its head in sandbox mode,
    and gone in real mode (with its rows)."""
    with _migrating(engine) as config:
        if sandbox:
            command.upgrade(config, "heads")
            return
        command.upgrade(config, f"{PORTAL_BRANCH}@head")
        _remove_sandbox_schema(config)


def upgrade_sandbox_schema(engine: Engine) -> None:
    """Only the sandbox's schema, for a database the sandbox has to itself."""
    with _migrating(engine) as config:
        command.upgrade(config, f"{SANDBOX_BRANCH}@head")


def downgrade_to_base(engine: Engine) -> None:
    with _migrating(engine) as config:
        command.downgrade(config, "base")


def _remove_sandbox_schema(config: Config) -> None:
    connection: Connection = config.attributes["connection"]
    current = MigrationContext.configure(connection).get_current_heads()
    if not any(_on_sandbox_branch(revision) for revision in current):
        existing = inspect(connection).get_table_names()
        if not any(table in existing for table in TABLES_OF_THE_OLD_0002):
            return
        # Made by the old 0002: what the sandbox branch's first revision makes.
        command.stamp(config, _sandbox_base())
    removed = sorted(
        name for name in inspect(connection).get_table_names() if name.startswith("sandbox_")
    )
    command.downgrade(config, f"{SANDBOX_BRANCH}@base")
    # Their rows are gone with them: say so, for whoever switched the mode.
    logger.warning(
        "Removed the local sandbox's tables (%s): a database used with a Kombo key keeps "
        "none; they come back empty if sandbox mode is used again",
        ", ".join(removed),
    )


def _sandbox_base() -> str:
    return next(base for base in _script().get_bases() if _on_sandbox_branch(base))


def _on_sandbox_branch(revision: str) -> bool:
    script = _script().get_revision(revision)
    return script is not None and SANDBOX_BRANCH in script.branch_labels
