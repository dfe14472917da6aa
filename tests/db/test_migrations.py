import os
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, event, inspect, text

from kombo_portal.config import PROJECT_ROOT
from kombo_portal.db.engine import create_database_engine
from kombo_portal.db.metadata import portal_tables
from kombo_portal.db.migrations import (
    downgrade_to_base,
    is_at_head,
    upgrade_sandbox_schema,
    upgrade_to_head,
)
from kombo_portal.db.models import utc_now
from kombo_portal.db.transaction import transaction
from kombo_portal.records.tool_details import claim_details, due_details
from kombo_portal.sandbox.models import SANDBOX_METADATA

SANDBOX_TABLES = sorted(SANDBOX_METADATA.tables)
# The last revision before the sandbox had migrations of its own.
LAST_REVISION_WITH_SANDBOX_TABLES_IN_0002 = "0010"


def schema_differences(engine: Engine, *, sandbox: bool) -> list:
    metadata = [portal_tables(), SANDBOX_METADATA] if sandbox else [portal_tables()]
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, metadata)  # type: ignore[arg-type]


def sandbox_tables_in(engine: Engine) -> list[str]:
    return sorted(name for name in inspect(engine).get_table_names() if name.startswith("sandbox"))


def at_head(engine: Engine, *, sandbox: bool) -> bool:
    with engine.connect() as connection:
        return is_at_head(connection, sandbox=sandbox)


def migrate_as_the_old_code_did(engine: Engine) -> None:
    """The schema of a database migrated before the sandbox had its own migrations:
    the portal's revisions up to 0010, whose 0002 made the sandbox's first four
    tables, and no sandbox revision recorded."""
    config = Config(toml_file=PROJECT_ROOT / "pyproject.toml")
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, LAST_REVISION_WITH_SANDBOX_TABLES_IN_0002)
        # The old 0002 made the tables the sandbox's first revision makes, unrecorded.
        command.upgrade(config, "sandbox_0001")
        connection.execute(text("DELETE FROM alembic_version WHERE version_num = 'sandbox_0001'"))
        connection.execute(
            text(
                "INSERT INTO sandbox_link (token, purpose, link_type, category, language,"
                " end_user_email, end_user_organization_name, created_at, expires_at)"
                " VALUES ('kept', 'connect', 'EMBEDDED', 'HRIS', 'en', 'a@acme.test', 'Acme',"
                " '2026-11-30 10:00:00+00:00', '2026-11-30 11:00:00+00:00')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO organisation (id, name, created_at, version)"
                " VALUES ('org1', 'Acme', '2026-11-30 10:00:00+00:00', 0)"
            )
        )


def rows(engine: Engine, statement: str) -> list[tuple]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(statement))]


@pytest.mark.parametrize("sandbox", [True, False], ids=["sandbox mode", "real mode"])
def test_migrations_build_exactly_the_models_schema_of_the_mode(empty_engine, sandbox):
    upgrade_to_head(empty_engine, sandbox=sandbox)

    assert schema_differences(empty_engine, sandbox=sandbox) == [], (
        "models changed without a migration: add one in alembic/versions "
        "(the sandbox's in kombo_portal/sandbox/migrations)"
    )


def test_a_fresh_real_mode_database_has_no_sandbox_table(empty_engine):
    upgrade_to_head(empty_engine, sandbox=False)

    assert sandbox_tables_in(empty_engine) == []
    assert "organisation" in inspect(empty_engine).get_table_names()
    assert at_head(empty_engine, sandbox=False)
    assert not at_head(empty_engine, sandbox=True)


def test_a_fresh_sandbox_mode_database_has_the_five_sandbox_tables(empty_engine):
    upgrade_to_head(empty_engine, sandbox=True)

    assert sandbox_tables_in(empty_engine) == SANDBOX_TABLES
    assert len(SANDBOX_TABLES) == 5
    assert at_head(empty_engine, sandbox=True)
    assert not at_head(empty_engine, sandbox=False)


def test_an_old_sandbox_mode_database_keeps_its_sandbox_rows(empty_engine):
    migrate_as_the_old_code_did(empty_engine)

    upgrade_to_head(empty_engine, sandbox=True)

    assert rows(empty_engine, "SELECT token FROM sandbox_link") == [("kept",)]
    assert rows(empty_engine, "SELECT name FROM organisation") == [("Acme",)]
    assert schema_differences(empty_engine, sandbox=True) == []
    assert at_head(empty_engine, sandbox=True)


def test_an_old_real_mode_database_loses_the_sandbox_tables_and_keeps_its_own(empty_engine):
    migrate_as_the_old_code_did(empty_engine)

    upgrade_to_head(empty_engine, sandbox=False)

    assert sandbox_tables_in(empty_engine) == []
    assert rows(empty_engine, "SELECT name FROM organisation") == [("Acme",)]
    assert schema_differences(empty_engine, sandbox=False) == []
    assert at_head(empty_engine, sandbox=False)


def test_a_sandbox_mode_database_run_in_real_mode_loses_the_sandbox_tables(empty_engine):
    upgrade_to_head(empty_engine, sandbox=True)

    upgrade_to_head(empty_engine, sandbox=False)
    assert sandbox_tables_in(empty_engine) == []
    assert at_head(empty_engine, sandbox=False)

    upgrade_to_head(empty_engine, sandbox=True)
    assert sandbox_tables_in(empty_engine) == SANDBOX_TABLES
    assert at_head(empty_engine, sandbox=True)


def test_the_standalone_sandbox_migrates_only_its_own_tables(empty_engine):
    upgrade_sandbox_schema(empty_engine)

    assert sorted(inspect(empty_engine).get_table_names()) == ["alembic_version", *SANDBOX_TABLES]


@pytest.mark.parametrize("sandbox", [True, False], ids=["sandbox mode", "real mode"])
def test_migrations_are_idempotent_and_reversible(engine, sandbox):
    upgrade_to_head(engine, sandbox=sandbox)
    assert "organisation" in inspect(engine).get_table_names()

    downgrade_to_base(engine)
    assert inspect(engine).get_table_names() == ["alembic_version"]

    upgrade_to_head(engine, sandbox=sandbox)
    assert "organisation" in inspect(engine).get_table_names()
    assert bool(sandbox_tables_in(engine)) == sandbox


def test_migrating_a_real_mode_database_imports_no_sandbox_code(database_url):
    script = (
        "import sys\n"
        "from kombo_portal.db.engine import create_database_engine\n"
        "from kombo_portal.db.metadata import portal_tables\n"
        "from kombo_portal.db.migrations import upgrade_to_head\n"
        f"upgrade_to_head(create_database_engine({database_url!r}), sandbox=False)\n"
        "portal_tables()\n"
        "print(sorted(m for m in sys.modules if m.startswith('kombo_portal.sandbox')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=PROJECT_ROOT,
        env={**os.environ, "PORTAL_ENV_FILE": ""},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )

    assert result.stdout.strip() == "[]"


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
        assert at_head(engine, sandbox=True)
    finally:
        engine.dispose()


def _fresh(_engine: Engine) -> None:
    pass


@pytest.mark.parametrize(
    ("prepare", "sandbox"),
    [
        (_fresh, True),
        (_fresh, False),
        (migrate_as_the_old_code_did, False),
    ],
    ids=["sandbox mode", "real mode", "real mode, removing the old sandbox tables"],
)
def test_an_upgrade_is_one_transaction_that_locks_before_it_reads_the_revision(
    empty_engine, prepare: Callable[[Engine], None], sandbox: bool
):
    """How instances starting together take turns: one transaction for all migrations,
    whose lock comes first (SQLite: BEGIN IMMEDIATE; PostgreSQL: an advisory lock).
    With a transaction per migration, another instance could read the revision between
    two of them and apply the same migration again (a CI run failed on "duplicate
    column name" that way)."""
    prepare(empty_engine)
    seen: list[str] = []

    def note(_connection, _cursor, statement, *_args) -> None:
        seen.append(statement.strip().split()[0].upper())

    event.listen(empty_engine, "before_cursor_execute", note)
    event.listen(empty_engine, "commit", lambda _connection: seen.append("COMMIT"))
    try:
        upgrade_to_head(empty_engine, sandbox=sandbox)
    finally:
        event.remove(empty_engine, "before_cursor_execute", note)

    assert seen.count("COMMIT") == 1
    assert seen[-1] == "COMMIT"
    first = "BEGIN" if empty_engine.dialect.name == "sqlite" else "SELECT"
    assert seen[0] == first, seen[:3]  # BEGIN IMMEDIATE, or the advisory lock


def test_records_made_without_details_before_0013_are_due_and_can_be_claimed(empty_engine):
    config = Config(toml_file=PROJECT_ROOT / "pyproject.toml")
    with empty_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0012")
        connection.execute(
            text(
                "INSERT INTO organisation (id, name, created_at, version)"
                " VALUES ('org1', 'Acme', '2026-11-30 10:00:00+00:00', 0)"
            )
        )
        for kombo_id, label, logo in (
            ("personio:WEBHOOK", "personio", None),  # from a webhook, its fetch failed
            ("hibob:DETAILS", "HiBob", "https://logo.test/hibob.svg"),
        ):
            connection.execute(
                text(
                    "INSERT INTO integration (id, kombo_integration_id, organisation_id,"
                    " category, tool_id, tool_label, tool_logo_url, state, setup_status,"
                    " connected_at, updated_at) VALUES (:id, :kombo_id, 'org1', 'HRIS',"
                    " :tool, :label, :logo, 'ACTIVE', 'COMPLETED',"
                    " '2026-11-30 10:00:00+00:00', '2026-11-30 10:00:00+00:00')"
                ),
                {
                    "id": kombo_id[:8],
                    "kombo_id": kombo_id,
                    "tool": kombo_id.split(":")[0],
                    "label": label,
                    "logo": logo,
                },
            )

    upgrade_to_head(empty_engine, sandbox=False)

    with transaction(empty_engine) as session:
        [due] = due_details(session, utc_now(), limit=10)
        # The claim compares the stored time for equality: the migration stored it as
        # the application stores times.
        assert claim_details(session, due, utc_now() + timedelta(minutes=5))
    assert (due.kombo_integration_id, due.failures) == ("personio:WEBHOOK", 0)
