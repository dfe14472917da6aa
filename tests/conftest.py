"""Fixtures shared by the whole suite: an isolated, migrated database per test.

Every database test runs on SQLite, and on PostgreSQL too when TEST_POSTGRES_URL
is set (for example postgresql://postgres@127.0.0.1:5432/test).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import Engine, text

from kombo_portal.db.engine import create_database_engine
from kombo_portal.db.migrations import upgrade_to_head
from tests.support.accounts import people  # noqa: F401  (a fixture for every test)

# The suite decides its own settings: a developer's .env must not leak into it
# (subprocesses started by tests inherit this too).
os.environ["PORTAL_ENV_FILE"] = ""

TEST_POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "").strip()

DATABASE_KINDS = ["sqlite", *(["postgresql"] if TEST_POSTGRES_URL else [])]


@pytest.fixture(params=DATABASE_KINDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database of its own for this test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'portal.db'}"
        return
    yield from _postgres_schema_url()


def _postgres_schema_url() -> Iterator[str]:
    # Each test gets a schema of its own in the shared test database, put first on
    # the search path through the URL, so the code under test sees a plain URL.
    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = create_database_engine(TEST_POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in TEST_POSTGRES_URL else "?"
    try:
        yield f"{TEST_POSTGRES_URL}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def empty_engine(database_url: str) -> Iterator[Engine]:
    """An engine on an isolated database with no tables."""
    engine = create_database_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def engine(empty_engine: Engine) -> Engine:
    """An engine on an isolated database migrated to the latest schema."""
    upgrade_to_head(empty_engine)
    return empty_engine
