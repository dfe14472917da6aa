"""The Starlette app that Reflex mounts itself under (`rx.App(api_transformer=...)`).

Its routes match before Reflex's, in development and in the single-port build.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine
from starlette.applications import Starlette

from kombo_portal.api.health import health_route
from kombo_portal.db.engine import get_engine as get_configured_engine


def create_backend_api(get_engine: Callable[[], Engine] = get_configured_engine) -> Starlette:
    return Starlette(routes=[health_route(get_engine)])
