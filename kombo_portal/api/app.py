"""The Starlette app that Reflex mounts itself under (`rx.App(api_transformer=...)`).

Its routes match before Reflex's, in development and in the single-port build.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount

from kombo_portal.api.auth import auth_routes
from kombo_portal.api.demo_host import demo_host_route
from kombo_portal.api.handoff import handoff_route
from kombo_portal.api.health import health_route
from kombo_portal.api.metrics import metrics_route
from kombo_portal.api.oidc import oidc_routes
from kombo_portal.api.webhooks import DetailsNeeded, webhook_routes
from kombo_portal.config import get_settings
from kombo_portal.db.engine import get_engine as get_configured_engine
from kombo_portal.paths import SANDBOX_MOUNT_PATH


def create_backend_api(
    get_engine: Callable[[], Engine] = get_configured_engine,
    *,
    get_webhook_secrets: Callable[[], Sequence[str]] = lambda: get_settings().kombo.webhook_secrets,
    details_needed: DetailsNeeded | None = None,
    get_setup_categories: Callable[[], frozenset[str]] = frozenset,
    get_metrics_token: Callable[[], str | None] = lambda: get_settings().metrics.token,
    sandbox: Starlette | None = None,
) -> Starlette:
    """The portal's routes; `sandbox` (sandbox mode only) is mounted at /sandbox/kombo."""
    routes: list[BaseRoute] = [
        health_route(get_engine, lambda: get_settings().sandbox_mode),
        *auth_routes(get_engine, get_settings),
        handoff_route(get_engine, get_settings),
        *oidc_routes(get_engine, get_settings),
        demo_host_route(get_settings),
        *webhook_routes(get_engine, get_webhook_secrets, details_needed, get_setup_categories),
        metrics_route(get_metrics_token),
    ]
    if sandbox is not None:
        routes.append(Mount(SANDBOX_MOUNT_PATH, app=sandbox))
    return Starlette(routes=routes)
