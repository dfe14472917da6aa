"""What the portal runs on: its database, Redis for several workers, and the origins
Reflex lets open its websocket."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from kombo_portal.config.values import ConcernSettings, OptionalText, url_starting_with

# Relative SQLite paths are resolved against the project folder (see db.engine).
DEFAULT_DATABASE_URL = "sqlite:///data/kombo_portal.db"


class InfrastructureSettings(ConcernSettings):
    # URLs may carry passwords: kept out of the repr.
    database_url: str = Field(default=DEFAULT_DATABASE_URL, alias="REFLEX_DB_URL", repr=False)
    redis_url: Annotated[
        OptionalText,
        url_starting_with("REFLEX_REDIS_URL", "redis://", "rediss://", "unix://"),
    ] = Field(default=None, alias="REFLEX_REDIS_URL", repr=False)
    # Reflex reads this one itself (websocket and CORS origins); here for rxconfig.py
    # (which takes it from .env too) and to warn.
    cors_allowed_origins: OptionalText = Field(default=None, alias="REFLEX_CORS_ALLOWED_ORIGINS")

    @field_validator("database_url")
    @classmethod
    def _sqlite_or_postgresql(cls, url: str) -> str:
        try:
            backend = make_url(url).get_backend_name()
        except (ArgumentError, ValueError):
            backend = None
        if backend not in ("sqlite", "postgresql"):
            raise ValueError(
                "REFLEX_DB_URL: the portal runs on SQLite or PostgreSQL "
                "(sqlite:///path/to/file.db or postgresql://user:password@host:5432/db)"
            )
        return url
