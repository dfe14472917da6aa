"""The demo app's Reflex configuration."""

import reflex as rx

config = rx.Config(
    app_name="kombo_connect_demo",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="indigo"))],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
