"""Apply the alembic migrations in `alembic/` (configured in pyproject.toml)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from kombo_portal.config import PROJECT_ROOT


def alembic_config(engine: Engine) -> Config:
    config = Config(toml_file=PROJECT_ROOT / "pyproject.toml")
    # alembic/env.py runs on this engine instead of reading a URL of its own.
    config.attributes["engine"] = engine
    return config


def upgrade_to_head(engine: Engine) -> None:
    command.upgrade(alembic_config(engine), "head")


def downgrade_to_base(engine: Engine) -> None:
    command.downgrade(alembic_config(engine), "base")
