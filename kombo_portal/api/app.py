"""The Starlette app that Reflex mounts itself under (`rx.App(api_transformer=...)`).

Its routes match before Reflex's, in development and in the single-port build.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount

from kombo_portal.api.health import health_route
from kombo_portal.db.engine import get_engine as get_configured_engine

SANDBOX_MOUNT_PATH = "/sandbox/kombo"


def create_backend_api(
    get_engine: Callable[[], Engine] = get_configured_engine,
    *,
    sandbox: Starlette | None = None,
) -> Starlette:
    """The portal's routes; `sandbox` (sandbox mode only) is mounted at /sandbox/kombo."""
    routes: list[BaseRoute] = [health_route(get_engine)]
    if sandbox is not None:
        routes.append(Mount(SANDBOX_MOUNT_PATH, app=sandbox))
    return Starlette(routes=routes)
