"""The portal's settings: one frozen object read from the environment and `.env`, made
of one small model per concern (`settings.kombo`, `settings.security`, ...).

Every variable is documented in `.env.example`.
"""

from kombo_portal.config.branding import DEFAULT_PRODUCT_NAME, BrandingSettings
from kombo_portal.config.connect import ConnectSettings
from kombo_portal.config.environment import PROJECT_ROOT, env_file_path
from kombo_portal.config.infrastructure import DEFAULT_DATABASE_URL, InfrastructureSettings
from kombo_portal.config.kombo import KomboSettings
from kombo_portal.config.logs import LogFormat, LoggingSettings, LogLevel
from kombo_portal.config.metrics import MetricsSettings
from kombo_portal.config.oidc import OidcSettings
from kombo_portal.config.production import production_problems, production_warnings
from kombo_portal.config.sandbox import (
    DEFAULT_SANDBOX_API_KEY,
    SANDBOX_SECRET_KEY,
    SANDBOX_WEBHOOK_SECRET,
    SandboxSettings,
)
from kombo_portal.config.security import SecuritySettings
from kombo_portal.config.settings import Settings, SettingsError, get_settings

__all__ = [
    "DEFAULT_DATABASE_URL",
    "DEFAULT_PRODUCT_NAME",
    "DEFAULT_SANDBOX_API_KEY",
    "PROJECT_ROOT",
    "SANDBOX_SECRET_KEY",
    "SANDBOX_WEBHOOK_SECRET",
    "BrandingSettings",
    "ConnectSettings",
    "InfrastructureSettings",
    "KomboSettings",
    "LogFormat",
    "LogLevel",
    "LoggingSettings",
    "MetricsSettings",
    "OidcSettings",
    "SandboxSettings",
    "SecuritySettings",
    "Settings",
    "SettingsError",
    "env_file_path",
    "get_settings",
    "production_problems",
    "production_warnings",
]
