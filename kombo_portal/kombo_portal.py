"""The Reflex app: pages, and the portal's own routes in front of Reflex's backend."""

import reflex as rx

from kombo_portal.api import create_backend_api
from kombo_portal.pages.integrations import INTEGRATIONS_PATH, integrations_page

app = rx.App(
    api_transformer=create_backend_api(),
    head_components=[rx.el.link(rel="icon", href="/favicon.svg", type="image/svg+xml")],
)
app.add_page(integrations_page, route=INTEGRATIONS_PATH, title="Integrations")
app.add_page(rx.fragment(), route="/", title="Integrations", on_load=rx.redirect(INTEGRATIONS_PATH))
