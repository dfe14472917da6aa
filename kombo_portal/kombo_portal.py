"""The Reflex app: pages, and the portal's own routes in front of Reflex's backend."""

import contextlib
import logging
from collections.abc import AsyncIterator

import reflex as rx
from reflex.utils.exec import is_prod_mode

from kombo_portal.api import create_backend_api
from kombo_portal.api.security import SecurityPolicy, security_headers
from kombo_portal.backend import build_backend, install_backend
from kombo_portal.config import get_settings
from kombo_portal.db.engine import DatabaseNotMigrated, get_engine
from kombo_portal.i18n import DEFAULT_LANGUAGE, translate
from kombo_portal.logs import RequestIdMiddleware, configure_portal_logging
from kombo_portal.pages.integrations import INTEGRATIONS_TITLE_KEY, integrations_page
from kombo_portal.pages.layout import tab_title
from kombo_portal.pages.sign_in import SIGN_IN_TITLE_KEY, sign_in_page
from kombo_portal.paths import INTEGRATIONS_PATH, SIGN_IN_PATH
from kombo_portal.state.auth import AuthState
from kombo_portal.state.integrations import IntegrationsState
from kombo_portal.state.live import serve_live_pages
from kombo_portal.use_cases.health import prepare_database

configure_portal_logging()
backend = build_backend(get_settings(), get_engine, backend_url=rx.config.get_config().api_url)
install_backend(backend)
# The operator's product (PORTAL_PRODUCT_NAME) names every browser tab; each page's
# title starts in English and follows the reader's language (see pages.layout.page_chrome).
PRODUCT_NAME = get_settings().branding.product_name

app = rx.App(
    # The portal's routes first; then headers around everything, pages included.
    api_transformer=[
        create_backend_api(
            details_needed=backend.details_fetcher.wake,
            get_setup_categories=lambda: backend.setup_categories,
            sandbox=backend.sandbox,
        ),
        # Around all routes and pages: every response gets an X-Request-ID, and lines
        # written while handling a request carry it.
        RequestIdMiddleware,
        security_headers(
            SecurityPolicy.from_settings(
                get_settings(),
                sandbox_url=backend.sandbox_config.public_url if backend.sandbox_config else None,
            )
        ),
    ],
    head_components=[rx.el.link(rel="icon", href="/favicon.svg", type="image/svg+xml")],
)


@contextlib.asynccontextmanager
async def database_at_start() -> AsyncIterator[None]:
    """`reflex run` in development migrates the database first; a production start
    serves only a database at head, and otherwise stops with one line saying what to
    run (rather than answering every event with "no such table")."""
    try:
        await prepare_database(
            get_engine(), sandbox=get_settings().sandbox_mode, migrate=not is_prod_mode()
        )
    except DatabaseNotMigrated:
        message = "The database is not migrated: run `python -m kombo_portal migrate`."
        logging.getLogger(__name__).critical(message)
        raise SystemExit(message) from None
    yield


# Again in the serving process: granian's workers reconfigure logging after import.
app.register_lifespan_task(configure_portal_logging)
# Before anything reads or writes the database (the tasks start in this order).
app.register_lifespan_task(database_at_start)
app.register_lifespan_task(backend.lifespan)
# Changes reach open pages by push, whichever worker or instance made them.
app.register_lifespan_task(serve_live_pages(app, IntegrationsState))
app.add_page(
    integrations_page,
    route=INTEGRATIONS_PATH,
    title=tab_title(translate(DEFAULT_LANGUAGE, INTEGRATIONS_TITLE_KEY)),
    on_load=IntegrationsState.load,
)
app.add_page(
    sign_in_page,
    route=SIGN_IN_PATH,
    title=tab_title(translate(DEFAULT_LANGUAGE, SIGN_IN_TITLE_KEY)),
    on_load=AuthState.skip_sign_in_if_signed_in,
)
app.add_page(rx.fragment(), route="/", title=PRODUCT_NAME, on_load=rx.redirect(INTEGRATIONS_PATH))
