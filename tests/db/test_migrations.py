import os
import subprocess
import sys

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import event, inspect

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


def test_an_upgrade_is_one_transaction_that_locks_before_it_reads_the_revision(empty_engine):
    """How instances starting together take turns: one transaction for all migrations,
    whose lock comes first (SQLite: BEGIN IMMEDIATE; PostgreSQL: an advisory lock).
    With a transaction per migration, another instance could read the revision between
    two of them and apply the same migration again (a CI run failed on "duplicate
    column name" that way)."""
    seen: list[str] = []

    def note(_connection, _cursor, statement, *_args) -> None:
        seen.append(statement.strip().split()[0].upper())

    event.listen(empty_engine, "before_cursor_execute", note)
    event.listen(empty_engine, "commit", lambda _connection: seen.append("COMMIT"))
    try:
        upgrade_to_head(empty_engine)
    finally:
        event.remove(empty_engine, "before_cursor_execute", note)

    assert seen.count("COMMIT") == 1
    assert seen[-1] == "COMMIT"
    first = "BEGIN" if empty_engine.dialect.name == "sqlite" else "SELECT"
    assert seen[0] == first, seen[:3]  # BEGIN IMMEDIATE, or the advisory lock
