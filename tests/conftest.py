"""Fixtures shared by the whole suite: an isolated, migrated database per test.

Every database test runs on SQLite, and on PostgreSQL too when TEST_POSTGRES_URL
is set (for example postgresql://postgres@127.0.0.1:5432/test).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import Engine

from harness.postgres import postgres_schema_url
from kombo_portal.db.engine import create_database_engine
from kombo_portal.db.migrations import upgrade_to_head
from tests.support.accounts import people  # noqa: F401  (a fixture for every test)

# The suite decides its own settings: a developer's .env must not leak into it
# (subprocesses started by tests inherit this too).
os.environ["PORTAL_ENV_FILE"] = ""

TEST_POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "").strip()

DATABASE_KINDS = ["sqlite", *(["postgresql"] if TEST_POSTGRES_URL else [])]

# Property tests: in CI the same examples on every run (a red run is red for a
# reason, and print_blob lets anyone replay a failure), elsewhere new ones each run
# so developers keep exploring; no example database written into the project, and
# no per-example deadline (a slow database round trip on a busy machine is no bug).
settings.register_profile(
    "portal",
    derandomize=bool(os.environ.get("CI")),
    database=None,
    deadline=None,
    max_examples=50,
    print_blob=True,
)
settings.load_profile("portal")


@pytest.fixture(params=DATABASE_KINDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database of its own for this test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'portal.db'}"
        return
    with postgres_schema_url(TEST_POSTGRES_URL) as url:
        yield url


@pytest.fixture
def empty_engine(database_url: str) -> Iterator[Engine]:
    """An engine on an isolated database with no tables."""
    engine = create_database_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def engine(empty_engine: Engine) -> Engine:
    """An engine on an isolated database migrated to the latest schema (the suite runs
    in sandbox mode: the sandbox's tables included)."""
    upgrade_to_head(empty_engine, sandbox=True)
    return empty_engine
