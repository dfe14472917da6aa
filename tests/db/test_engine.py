import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError

from kombo_portal.config import PROJECT_ROOT
from kombo_portal.db.engine import (
    DatabaseNotMigrated,
    check_database,
    create_database_engine,
    normalise_database_url,
)
from kombo_portal.db.migrations import upgrade_to_head
from kombo_portal.db.threads import DATABASE_THREADS


def test_plain_postgresql_urls_use_psycopg_3():
    assert normalise_database_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert normalise_database_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert normalise_database_url("sqlite:///x.db").drivername == "sqlite"


def test_sqlite_file_gets_its_folder_and_enforces_foreign_keys(tmp_path):
    engine = create_database_engine(f"sqlite:///{tmp_path / 'nested' / 'portal.db'}")

    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert (tmp_path / "nested" / "portal.db").exists()


def test_check_database_passes_on_a_migrated_database(engine):
    check_database(engine, sandbox=True)


@pytest.mark.parametrize("sandbox", [True, False], ids=["sandbox mode", "real mode"])
def test_check_database_refuses_a_database_behind_the_code(empty_engine, sandbox):
    with pytest.raises(DatabaseNotMigrated):
        check_database(empty_engine, sandbox=sandbox)


def test_check_database_expects_the_schema_of_its_mode(engine):
    """A real-mode instance on a database with the sandbox's tables: `migrate` removes them."""
    with pytest.raises(DatabaseNotMigrated):
        check_database(engine, sandbox=False)

    upgrade_to_head(engine, sandbox=False)
    check_database(engine, sandbox=False)
    with pytest.raises(DatabaseNotMigrated):
        check_database(engine, sandbox=True)


def test_check_database_raises_when_the_server_is_unreachable():
    engine = create_database_engine("postgresql://nobody@127.0.0.1:1/nothing")

    with pytest.raises(OperationalError):
        check_database(engine, sandbox=True)


def test_relative_sqlite_paths_are_taken_from_the_project_folder():
    url = normalise_database_url("sqlite:///data/kombo_portal.db")

    assert url.database == str(PROJECT_ROOT / "data" / "kombo_portal.db")


def test_database_errors_do_not_carry_the_values_into_logs(database_url):
    engine = create_database_engine(database_url)
    try:
        with pytest.raises(DBAPIError) as caught, engine.connect() as connection:
            connection.execute(
                text("SELECT * FROM no_such_table WHERE x = :x"), {"x": "ada@acme.test"}
            )
    finally:
        engine.dispose()

    assert "ada@acme.test" not in str(caught.value)


def test_every_database_thread_keeps_a_connection(engine):
    """On either database, as many connections stay open as the portal has database
    threads, so a busy moment does not open, configure and close new ones."""
    assert engine.pool.size() >= DATABASE_THREADS

    held = [engine.connect() for _ in range(DATABASE_THREADS)]
    for connection in held:
        connection.close()

    # All returned to the pool and kept, none closed as an overflow.
    assert engine.pool.checkedin() == DATABASE_THREADS
