"""The portal's settings: one typed object, read from the environment and `.env`.

Every variable is documented in `.env.example`. Invalid settings stop the
process at start-up with one line that names the variable, rather than
failing later in a request.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Self

from dotenv import dotenv_values
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    model_validator,
)

from kombo_portal.kombo.models import IntegrationCategory

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Relative SQLite paths are resolved against the project folder (see db.engine).
DEFAULT_DATABASE_URL = "sqlite:///data/kombo_portal.db"

# Used only in sandbox mode (no KOMBO_API_KEY), so a fresh clone runs with no
# set-up. Real mode refuses to start without real values.
SANDBOX_WEBHOOK_SECRET = "whsec_sandbox_development_only"  # noqa: S105 (public on purpose)
SANDBOX_SECRET_KEY = "sandbox-development-only-secret-key-change-me"  # noqa: S105
# The key the local sandbox accepts on its API (it is not a Kombo key).
DEFAULT_SANDBOX_API_KEY = "ks_dev_local_sandbox"

MIN_SECRET_KEY_LENGTH = 32


class KomboRegion(StrEnum):
    EU = "eu"
    US = "us"
    CA = "ca"


KOMBO_REGION_BASE_URLS = {
    KomboRegion.EU: "https://api.kombo.dev/v1",
    KomboRegion.US: "https://api.us.kombo.dev/v1",
    KomboRegion.CA: "https://api.ca.kombo.dev/v1",
}


class SettingsError(ValueError):
    """Settings that cannot be used; the message is one line naming the variable."""


def _blank_to_none(value: object) -> object:
    if isinstance(value, str) and not value.strip():
        return None
    return value.strip() if isinstance(value, str) else value


def _split_categories(value: object) -> object:
    if isinstance(value, str):
        return [part.strip().upper() for part in value.split(",") if part.strip()]
    return value


def _parse_connect_tools(value: object) -> object:
    """`HRIS:personio,ATS:greenhouse` -> {"HRIS": "personio", "ATS": "greenhouse"}."""
    if not isinstance(value, str):
        return value
    tools: dict[str, str] = {}
    for pair in filter(None, (part.strip() for part in value.split(","))):
        category, separator, tool = pair.partition(":")
        if not separator or not category.strip() or not tool.strip():
            raise ValueError("KOMBO_CONNECT_TOOLS: write CATEGORY:tool pairs, e.g. HRIS:personio")
        tools[category.strip().upper()] = tool.strip().lower()
    return tools


OptionalText = Annotated[str | None, BeforeValidator(_blank_to_none)]
OptionalSecret = Annotated[SecretStr | None, BeforeValidator(_blank_to_none)]


class Settings(BaseModel):
    """The whole configuration. Field aliases are the environment variable names."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    kombo_api_key: OptionalSecret = Field(default=None, alias="KOMBO_API_KEY")
    kombo_region: KomboRegion = Field(default=KomboRegion.EU, alias="KOMBO_REGION")
    kombo_api_base_url_override: OptionalText = Field(default=None, alias="KOMBO_API_BASE_URL")
    kombo_timeout_seconds: float = Field(default=10.0, alias="KOMBO_TIMEOUT_SECONDS", gt=0, le=120)
    kombo_webhook_secret: OptionalSecret = Field(default=None, alias="KOMBO_WEBHOOK_SECRET")
    kombo_webhook_secret_previous: OptionalSecret = Field(
        default=None, alias="KOMBO_WEBHOOK_SECRET_PREVIOUS"
    )
    portal_categories: Annotated[
        tuple[IntegrationCategory, ...], BeforeValidator(_split_categories)
    ] = Field(
        default=(IntegrationCategory.HRIS, IntegrationCategory.ATS),
        alias="PORTAL_CATEGORIES",
        min_length=1,
    )
    portal_secret_key: OptionalSecret = Field(default=None, alias="PORTAL_SECRET_KEY")
    session_hours: float = Field(default=12, alias="PORTAL_SESSION_HOURS", gt=0, le=24 * 30)
    # None: Secure cookies in real mode (served over TLS), plain ones in sandbox mode.
    cookie_secure_override: bool | None = Field(default=None, alias="PORTAL_COOKIE_SECURE")
    connect_tools: Annotated[dict[str, str], BeforeValidator(_parse_connect_tools)] = Field(
        default_factory=dict, alias="KOMBO_CONNECT_TOOLS"
    )
    connect_scope_config_id: OptionalText = Field(default=None, alias="KOMBO_SCOPE_CONFIG_ID")
    connect_enable_filtering: bool = Field(default=False, alias="KOMBO_ENABLE_FILTERING")
    connect_enable_field_mapping: bool = Field(default=False, alias="KOMBO_ENABLE_FIELD_MAPPING")
    sandbox_api_key: str = Field(
        default=DEFAULT_SANDBOX_API_KEY, alias="KOMBO_SANDBOX_API_KEY", min_length=8, repr=False
    )
    sandbox_webhook_url: OptionalText = Field(default=None, alias="KOMBO_SANDBOX_WEBHOOK_URL")
    sandbox_duplicate_webhooks: bool = Field(
        default=False, alias="KOMBO_SANDBOX_DUPLICATE_WEBHOOKS"
    )
    # URLs may carry passwords: kept out of the repr.
    database_url: str = Field(default=DEFAULT_DATABASE_URL, alias="REFLEX_DB_URL", repr=False)
    redis_url: OptionalText = Field(default=None, alias="REFLEX_REDIS_URL", repr=False)

    @model_validator(mode="before")
    @classmethod
    def _default_blank_database_url(cls, values: object) -> object:
        # An empty REFLEX_DB_URL= line in .env means "the default", not "no database".
        if isinstance(values, dict) and not str(values.get("REFLEX_DB_URL", "x")).strip():
            values = {k: v for k, v in values.items() if k != "REFLEX_DB_URL"}
        return values

    @model_validator(mode="after")
    def _require_real_secrets_in_real_mode(self) -> Self:
        if self.kombo_api_base_url_override and not self.kombo_api_base_url_override.startswith(
            ("https://", "http://")
        ):
            raise ValueError("KOMBO_API_BASE_URL: must start with https:// or http://")
        if len(set(self.portal_categories)) != len(self.portal_categories):
            raise ValueError("PORTAL_CATEGORIES: lists a category twice")
        _check_database_url(self.database_url)
        if self.sandbox_webhook_url and not self.sandbox_webhook_url.startswith(
            ("https://", "http://")
        ):
            raise ValueError("KOMBO_SANDBOX_WEBHOOK_URL: must start with https:// or http://")
        if self.redis_url and not self.redis_url.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("REFLEX_REDIS_URL: must start with redis://, rediss:// or unix://")
        if (
            self.portal_secret_key is not None
            and len(self.portal_secret_key.get_secret_value()) < MIN_SECRET_KEY_LENGTH
        ):
            raise ValueError(
                f"PORTAL_SECRET_KEY: must be at least {MIN_SECRET_KEY_LENGTH} characters"
            )
        if self.kombo_webhook_secret_previous is not None and self.kombo_webhook_secret is None:
            raise ValueError(
                "KOMBO_WEBHOOK_SECRET_PREVIOUS: set only while rotating, "
                "next to KOMBO_WEBHOOK_SECRET"
            )
        unknown = set(self.connect_tools) - {category.value for category in IntegrationCategory}
        if unknown:
            raise ValueError(f"KOMBO_CONNECT_TOOLS: unknown category {sorted(unknown)[0]}")
        if self.sandbox_mode:
            return self
        if self.kombo_webhook_secret is None:
            raise ValueError(
                "KOMBO_WEBHOOK_SECRET: required when KOMBO_API_KEY is set "
                "(copy it from Kombo's dashboard, Webhooks)"
            )
        if self.portal_secret_key is None:
            raise ValueError("PORTAL_SECRET_KEY: required when KOMBO_API_KEY is set")
        return self

    @property
    def cookie_secure(self) -> bool:
        if self.cookie_secure_override is not None:
            return self.cookie_secure_override
        return not self.sandbox_mode

    @property
    def sandbox_mode(self) -> bool:
        """No Kombo API key: the portal talks to its built-in local Kombo sandbox."""
        return self.kombo_api_key is None

    @property
    def kombo_api_base_url(self) -> str:
        if self.kombo_api_base_url_override:
            return self.kombo_api_base_url_override.rstrip("/")
        return KOMBO_REGION_BASE_URLS[self.kombo_region]

    @property
    def webhook_secrets(self) -> tuple[str, ...]:
        """Secrets a webhook signature may be made with, current first."""
        if self.kombo_webhook_secret is None:
            return (SANDBOX_WEBHOOK_SECRET,)
        current = self.kombo_webhook_secret.get_secret_value()
        if self.kombo_webhook_secret_previous is None:
            return (current,)
        return (current, self.kombo_webhook_secret_previous.get_secret_value())

    @property
    def secret_key(self) -> str:
        if self.portal_secret_key is None:
            return SANDBOX_SECRET_KEY
        return self.portal_secret_key.get_secret_value()

    @classmethod
    def from_environment(
        cls, environ: Mapping[str, str] | None = None, env_file: Path | None = None
    ) -> Settings:
        """Read settings from `env_file` overlaid by `environ` (the process wins over the file).

        Raises SettingsError with a one-line message naming the variable.
        """
        environ = os.environ if environ is None else environ
        values: dict[str, str] = {}
        if env_file is not None and env_file.is_file():
            values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
        values.update(environ)
        try:
            return cls.model_validate(values)
        except ValidationError as error:
            raise SettingsError(_one_line(error)) from None


def _check_database_url(url: str) -> None:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        backend = make_url(url).get_backend_name()
    except (ArgumentError, ValueError):
        backend = None
    if backend not in ("sqlite", "postgresql"):
        raise ValueError(
            "REFLEX_DB_URL: the portal runs on SQLite or PostgreSQL "
            "(sqlite:///path/to/file.db or postgresql://user:password@host:5432/db)"
        )


def _one_line(error: ValidationError) -> str:
    first = error.errors()[0]
    message = first["msg"].removeprefix("Value error, ")
    location = [str(part) for part in first["loc"] if not isinstance(part, int)]
    if location and not message.split(":", 1)[0].isupper():
        return f"{location[0]}: {message}"
    return message


def env_file_path(environ: Mapping[str, str] | None = None) -> Path | None:
    """The `.env` file to read: PORTAL_ENV_FILE if set (empty: none), else the project's."""
    environ = os.environ if environ is None else environ
    if "PORTAL_ENV_FILE" not in environ:
        return PROJECT_ROOT / ".env"
    chosen = environ["PORTAL_ENV_FILE"].strip()
    return Path(chosen) if chosen else None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once from the environment and the `.env` file."""
    return Settings.from_environment(env_file=env_file_path())
