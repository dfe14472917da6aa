"""The Reflex app: pages, and the portal's own routes in front of Reflex's backend."""

import reflex as rx

from kombo_portal.api import create_backend_api
from kombo_portal.backend import build_backend
from kombo_portal.config import get_settings
from kombo_portal.db.engine import get_engine
from kombo_portal.pages.integrations import INTEGRATIONS_PATH, integrations_page

backend = build_backend(get_settings(), get_engine, backend_url=rx.config.get_config().api_url)

app = rx.App(
    api_transformer=create_backend_api(sandbox=backend.sandbox),
    head_components=[rx.el.link(rel="icon", href="/favicon.svg", type="image/svg+xml")],
)
app.register_lifespan_task(backend.lifespan)
app.add_page(integrations_page, route=INTEGRATIONS_PATH, title="Integrations")
app.add_page(rx.fragment(), route="/", title="Integrations", on_load=rx.redirect(INTEGRATIONS_PATH))
