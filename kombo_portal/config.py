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
from urllib.parse import urlsplit

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
# A production key needs more than length: "a" * 40 is long and guessable.
MIN_SECRET_KEY_DISTINCT_CHARACTERS = 10
# Secret keys anyone can read (this file, the README, .env.example): never for a public server.
PUBLISHED_SECRET_KEYS = frozenset({SANDBOX_SECRET_KEY})
NEW_KEY_COMMAND = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'

# The origin of the pages Kombo's connection links open (`https://connect.kombo.dev/v1?token=...`).
DEFAULT_KOMBO_CONNECT_ORIGIN = "https://connect.kombo.dev"

# Operator branding: the page header, the browser title and the theme's accent colour.
DEFAULT_PRODUCT_NAME = "Kombo Portal"
DEFAULT_LOGO_URL = "/favicon.svg"  # a file in assets/, served at the site's root
ASSETS_FOLDER = PROJECT_ROOT / "assets"
MAX_PRODUCT_NAME_LENGTH = 60
DEFAULT_ACCENT_COLOR = "indigo"
# Radix Themes' accent colours, the only values rx.theme(accent_color=...) takes.
ACCENT_COLORS = (
    "tomato", "red", "ruby", "crimson", "pink", "plum", "purple", "violet", "iris", "indigo",
    "blue", "cyan", "teal", "jade", "green", "grass", "brown", "orange", "sky", "mint", "lime",
    "yellow", "amber", "gold", "bronze", "gray",
)  # fmt: skip
# The accents whose buttons keep WCAG AA contrast (4.5:1) for their text, light and dark:
# with the others, white on the solid colour (or its soft variant) falls short.
ACCESSIBLE_ACCENT_COLORS = ("plum", "purple", "violet", "iris", "indigo", "sky", "mint")


class KomboRegion(StrEnum):
    EU = "eu"
    US = "us"
    CA = "ca"


KOMBO_REGION_BASE_URLS = {
    KomboRegion.EU: "https://api.kombo.dev/v1",
    KomboRegion.US: "https://api.us.kombo.dev/v1",
    KomboRegion.CA: "https://api.ca.kombo.dev/v1",
}


class LogFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


class LogLevel(StrEnum):
    DEBUG = "DEBUG"
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"
    CRITICAL = "CRITICAL"


def _case_or_default(case: str, default: str):
    """Lower- or upper-case a choice; an empty value means the default."""

    def normalise(value: object) -> object:
        if not isinstance(value, str):
            return value
        value = value.strip() or default
        return value.lower() if case == "lower" else value.upper()

    return BeforeValidator(normalise)


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


def _origin(value: str, variable: str) -> str:
    """`https://host[:port]`, exactly: no path, query or wildcard."""
    parts = urlsplit(value)
    if (
        parts.scheme not in ("https", "http")
        or not parts.hostname
        or "*" in value
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or parts.username
    ):
        raise ValueError(f"{variable}: {value!r} is not an origin like https://host.example")
    return f"{parts.scheme}://{parts.netloc}"


def _split_origins(value: object) -> object:
    if isinstance(value, str) and not value.strip():
        return (DEFAULT_KOMBO_CONNECT_ORIGIN,)  # an empty line in .env means the default
    if isinstance(value, str):
        return tuple(
            _origin(part.strip(), "KOMBO_CONNECT_ORIGINS")
            for part in value.split(",")
            if part.strip()
        )
    return value


def _split_frame_ancestors(value: object) -> object:
    """`none`, `self`, or a comma-separated list of origins (with or without `self`)."""
    if not isinstance(value, str):
        return value
    if not value.strip():
        return ("'self'",)  # an empty line in .env means the default
    sources = []
    for part in filter(None, (part.strip() for part in value.split(","))):
        keyword = part.strip("'").lower()
        if keyword in ("none", "self"):
            sources.append(f"'{keyword}'")
        else:
            sources.append(_origin(part, "PORTAL_FRAME_ANCESTORS"))
    if "'none'" in sources and len(sources) > 1:
        raise ValueError("PORTAL_FRAME_ANCESTORS: 'none' cannot be combined with other sources")
    return tuple(sources)


def _accent_color(value: object) -> object:
    if isinstance(value, str):
        value = value.strip().lower() or DEFAULT_ACCENT_COLOR
        if value not in ACCENT_COLORS:
            raise ValueError(
                f"PORTAL_ACCENT_COLOR: {value!r} is not a Radix Themes accent colour; "
                f"use one of {', '.join(ACCENT_COLORS)}"
            )
    return value


def _logo_url(value: object) -> object:
    """An https:// URL, or a path to a file in assets/ (`/logo.svg`)."""
    if not isinstance(value, str):
        return value
    value = value.strip() or DEFAULT_LOGO_URL
    if value.startswith("https://"):
        if not urlsplit(value).hostname:
            raise ValueError(f"PORTAL_LOGO_URL: {value!r} names no host")
        return value
    relative = value.removeprefix("/")
    if (
        not value.startswith("/")
        or value.startswith("//")
        or ".." in relative.split("/")
        or not (ASSETS_FOLDER / relative).is_file()
    ):
        raise ValueError(
            f"PORTAL_LOGO_URL: {value!r} is neither an https:// URL nor a file in the "
            "app's assets/ folder (written /logo.svg for assets/logo.svg)"
        )
    return value


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
    # An empty line (as in .env.example) means the default, like the other settings.
    cookie_secure_override: Annotated[bool | None, BeforeValidator(_blank_to_none)] = Field(
        default=None, alias="PORTAL_COOKIE_SECURE"
    )
    # `serve` refuses sandbox mode (public passwords and secrets) unless this says a
    # public demo is meant.
    demo: bool = Field(default=False, alias="PORTAL_DEMO")
    connect_tools: Annotated[dict[str, str], BeforeValidator(_parse_connect_tools)] = Field(
        default_factory=dict, alias="KOMBO_CONNECT_TOOLS"
    )
    connect_scope_config_id: OptionalText = Field(default=None, alias="KOMBO_SCOPE_CONFIG_ID")
    connect_enable_filtering: bool = Field(default=False, alias="KOMBO_ENABLE_FILTERING")
    connect_enable_field_mapping: bool = Field(default=False, alias="KOMBO_ENABLE_FIELD_MAPPING")
    # Where Kombo's Connect flow page is served from: the page may frame only these.
    kombo_connect_origins: Annotated[tuple[str, ...], BeforeValidator(_split_origins)] = Field(
        default=(DEFAULT_KOMBO_CONNECT_ORIGIN,), alias="KOMBO_CONNECT_ORIGINS", min_length=1
    )
    # Who may show the portal's pages in a frame (CSP frame-ancestors).
    frame_ancestors: Annotated[tuple[str, ...], BeforeValidator(_split_frame_ancestors)] = Field(
        default=("'self'",), alias="PORTAL_FRAME_ANCESTORS", min_length=1
    )
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
    # Reflex reads this one itself (websocket and CORS origins); here only to warn.
    cors_allowed_origins: OptionalText = Field(default=None, alias="REFLEX_CORS_ALLOWED_ORIGINS")
    log_format: Annotated[LogFormat, _case_or_default("lower", "text")] = Field(
        default=LogFormat.TEXT, alias="PORTAL_LOG_FORMAT"
    )
    log_level: Annotated[LogLevel, _case_or_default("upper", "INFO")] = Field(
        default=LogLevel.INFO, alias="PORTAL_LOG_LEVEL"
    )
    product_name: Annotated[str, BeforeValidator(_blank_to_none)] = Field(
        default=DEFAULT_PRODUCT_NAME,
        alias="PORTAL_PRODUCT_NAME",
        min_length=1,
        max_length=MAX_PRODUCT_NAME_LENGTH,
    )
    logo_url: Annotated[str, BeforeValidator(_logo_url)] = Field(
        default=DEFAULT_LOGO_URL, alias="PORTAL_LOGO_URL"
    )
    accent_color: Annotated[str, BeforeValidator(_accent_color)] = Field(
        default=DEFAULT_ACCENT_COLOR, alias="PORTAL_ACCENT_COLOR"
    )

    @model_validator(mode="before")
    @classmethod
    def _blank_means_default(cls, values: object) -> object:
        # An empty `NAME=` line in .env (or the environment) means "the default": no
        # database URL, a boolean or a number nobody set is not an error.
        if isinstance(values, dict):
            values = {
                name: value
                for name, value in values.items()
                if not (isinstance(value, str) and not value.strip())
            }
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

    def production_problems(self) -> list[str]:
        """Why these settings must not serve the public; one line each, naming the variable.

        Validation refuses what no command can run with. These are settings that
        are fine on a developer's machine but not on a public server, where
        anyone can read the published development values.
        """
        if self.sandbox_mode:
            if self.demo:
                return []
            return [
                "KOMBO_API_KEY: not set, so the portal would serve its local Kombo sandbox, "
                "whose demo passwords and webhook secret are public; set KOMBO_API_KEY, "
                "or PORTAL_DEMO=1 to serve a sandbox demo on purpose"
            ]
        problems = []
        if self.portal_secret_key is None:
            problems.append("PORTAL_SECRET_KEY: required when KOMBO_API_KEY is set")
        else:
            key = self.portal_secret_key.get_secret_value()
            if key in PUBLISHED_SECRET_KEYS:
                problems.append(
                    "PORTAL_SECRET_KEY: is a published development value; "
                    f"generate one: {NEW_KEY_COMMAND}"
                )
            elif len(set(key)) < MIN_SECRET_KEY_DISTINCT_CHARACTERS:
                problems.append(
                    f"PORTAL_SECRET_KEY: too easy to guess (fewer than "
                    f"{MIN_SECRET_KEY_DISTINCT_CHARACTERS} different characters); "
                    f"generate one: {NEW_KEY_COMMAND}"
                )
        if self.kombo_webhook_secret is None:
            problems.append("KOMBO_WEBHOOK_SECRET: required when KOMBO_API_KEY is set")
        # The previous secret is checked too: a public one lets anyone sign webhooks.
        for name, secret in (
            ("KOMBO_WEBHOOK_SECRET", self.kombo_webhook_secret),
            ("KOMBO_WEBHOOK_SECRET_PREVIOUS", self.kombo_webhook_secret_previous),
        ):
            if secret is not None and secret.get_secret_value() == SANDBOX_WEBHOOK_SECRET:
                problems.append(
                    f"{name}: is the sandbox's public development secret; "
                    "copy the real one from Kombo's dashboard, Webhooks"
                )
        return problems

    def production_warnings(self) -> list[str]:
        """Settings a public server may have on purpose but should say out loud."""
        if self.sandbox_mode:
            return []
        warnings = []
        if self.accent_color not in ACCESSIBLE_ACCENT_COLORS:
            warnings.append(
                f"PORTAL_ACCENT_COLOR: {self.accent_color} gives buttons whose text falls "
                "short of WCAG AA contrast (4.5:1); these keep it: "
                f"{', '.join(ACCESSIBLE_ACCENT_COLORS)}"
            )
        if not self.cookie_secure:
            warnings.append(
                "PORTAL_COOKIE_SECURE: is 0, so the session cookie goes without Secure and "
                "browsers also send it over plain HTTP; right only if no browser reaches "
                "the portal without TLS"
            )
        if self.cors_allowed_origins is None or self.cors_allowed_origins.strip() == "*":
            warnings.append(
                "REFLEX_CORS_ALLOWED_ORIGINS: not set, so pages of any origin may open the "
                "portal's websocket; set it to the portal's own address "
                "(https://portal.example.com)"
            )
        if self.demo:
            warnings.append("PORTAL_DEMO: ignored, because KOMBO_API_KEY is set")
        return warnings

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
