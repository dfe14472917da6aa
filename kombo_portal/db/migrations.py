"""Apply the alembic migrations in `alembic/` (configured in pyproject.toml)."""

from __future__ import annotations

from functools import lru_cache

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from kombo_portal.config import PROJECT_ROOT


def alembic_config(engine: Engine) -> Config:
    config = Config(toml_file=PROJECT_ROOT / "pyproject.toml")
    # alembic/env.py runs on this engine instead of reading a URL of its own.
    config.attributes["engine"] = engine
    return config


@lru_cache(maxsize=1)
def head_revisions() -> frozenset[str]:
    """The revisions a fully migrated database is at (read once from alembic/versions)."""
    script = ScriptDirectory.from_config(Config(toml_file=PROJECT_ROOT / "pyproject.toml"))
    return frozenset(script.get_heads())


def is_at_head(connection: Connection) -> bool:
    current = MigrationContext.configure(connection).get_current_heads()
    return frozenset(current) == head_revisions()


def upgrade_to_head(engine: Engine) -> None:
    command.upgrade(alembic_config(engine), "head")


def downgrade_to_base(engine: Engine) -> None:
    command.downgrade(alembic_config(engine), "base")
