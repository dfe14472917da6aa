"""A PostgreSQL schema of its own for a test, in the shared test database."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

from sqlalchemy import text

from kombo_portal.db.engine import create_database_engine


@contextmanager
def postgres_schema_url(base_url: str) -> Iterator[str]:
    """A URL whose search path puts a new, empty schema first; the schema is dropped after.

    The code under test sees a plain URL (the schema rides in its `options`).
    """
    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = create_database_engine(base_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base_url else "?"
    try:
        yield f"{base_url}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
