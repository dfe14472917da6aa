"""Reflex configuration. Settings come from kombo_portal.config (environment and .env)."""

import reflex as rx

from kombo_portal.config import get_settings

settings = get_settings()

config = rx.Config(
    app_name="kombo_portal",
    db_url=settings.database_url,
    redis_url=settings.redis_url,
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="indigo", radius="medium"))],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
