import os
import subprocess
import sys

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from kombo_portal.config import PROJECT_ROOT
from kombo_portal.db.engine import create_database_engine
from kombo_portal.db.metadata import all_tables
from kombo_portal.db.migrations import downgrade_to_base, is_at_head, upgrade_to_head


def test_migrations_build_exactly_the_models_schema(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, all_tables())

    assert differences == [], "models changed without a migration: add one in alembic/versions"


def test_migrations_are_idempotent_and_reversible(engine):
    upgrade_to_head(engine)
    assert "organisation" in inspect(engine).get_table_names()

    downgrade_to_base(engine)
    assert inspect(engine).get_table_names() == ["alembic_version"]

    upgrade_to_head(engine)
    assert "organisation" in inspect(engine).get_table_names()


def test_instances_starting_together_migrate_once_and_all_start(database_url):
    """Several processes may run `serve` (which migrates first) at once on a new database."""
    environment = {**os.environ, "PORTAL_ENV_FILE": "", "REFLEX_DB_URL": database_url}
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "kombo_portal", "migrate"],
            cwd=PROJECT_ROOT,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    results = [(process.wait(timeout=120), process.stderr.read()) for process in processes]

    assert results == [(0, "")] * 3
    engine = create_database_engine(database_url)
    try:
        with engine.connect() as connection:
            assert is_at_head(connection)
    finally:
        engine.dispose()
