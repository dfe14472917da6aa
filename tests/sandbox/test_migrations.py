"""The sandbox's second revision keeps the rows made before it: their new columns
read as no setup steps, no scope config, no tool environment."""

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, inspect, text
from sqlmodel import Session

from kombo_portal.config import PROJECT_ROOT
from kombo_portal.db.migrations import upgrade_sandbox_schema
from kombo_portal.sandbox.models import SandboxIntegration, SandboxLink


def migrate_sandbox_to(engine: Engine, revision: str, *, down: bool = False) -> None:
    config = Config(toml_file=PROJECT_ROOT / "pyproject.toml")
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def test_links_and_integrations_made_before_setup_steps_migrate(empty_engine):
    migrate_sandbox_to(empty_engine, "sandbox_0001")
    with empty_engine.begin() as connection:
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
                "INSERT INTO sandbox_integration (id, tool, category, state, setup_status,"
                " qa_status, end_user_organization_name, created_at, updated_at)"
                " VALUES ('personio:old', 'personio', 'HRIS', 'ACTIVE', 'COMPLETED', 'PASSED',"
                " 'Acme', '2026-11-30 10:00:00+00:00', '2026-11-30 10:00:00+00:00')"
            )
        )

    upgrade_sandbox_schema(empty_engine)

    with Session(empty_engine) as session:
        link = session.get(SandboxLink, "kept")
        integration = session.get(SandboxIntegration, "personio:old")
    assert link is not None and integration is not None
    assert (link.enable_filtering, link.enable_field_mapping, link.setup_step) == (
        False,
        False,
        None,
    )
    assert (link.scope_config_id, link.remote_environment) == (None, None)
    assert (integration.enable_filtering, integration.enable_field_mapping) == (False, False)
    assert (integration.employee_filter, integration.field_mapping) == (None, None)
    assert integration.scope_config_id is None
    assert "sandbox_issue" in inspect(empty_engine).get_table_names()


def test_the_revision_goes_back_down_keeping_the_rows(empty_engine):
    upgrade_sandbox_schema(empty_engine)
    with empty_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO sandbox_link (token, purpose, link_type, category, language,"
                " end_user_email, end_user_organization_name, created_at, expires_at,"
                " enable_filtering, enable_field_mapping)"
                " VALUES ('kept', 'connect', 'EMBEDDED', 'HRIS', 'en', 'a@acme.test', 'Acme',"
                " '2026-11-30 10:00:00+00:00', '2026-11-30 11:00:00+00:00', true, false)"
            )
        )

    migrate_sandbox_to(empty_engine, "sandbox_0001", down=True)

    columns = {column["name"] for column in inspect(empty_engine).get_columns("sandbox_link")}
    assert "enable_filtering" not in columns and "setup_step" not in columns
    assert "sandbox_issue" not in inspect(empty_engine).get_table_names()
    with empty_engine.connect() as connection:
        assert connection.execute(text("SELECT token FROM sandbox_link")).all() == [("kept",)]
