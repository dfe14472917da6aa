from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from kombo_portal.db.metadata import all_tables
from kombo_portal.db.migrations import downgrade_to_base, upgrade_to_head


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
