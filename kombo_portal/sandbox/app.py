"""The sandbox as a Starlette app: Kombo's API under `/v1` (sandbox.api), the Connect
flow page under `/connect` (sandbox.flow_routes), and control endpoints for
developers and tests under `/control` (sandbox.control).

Mounted at `/sandbox/kombo` inside the portal in sandbox mode, or served on its
own by `python -m kombo_portal.sandbox`. Its endpoints read what they need from
the app's state (sandbox.context).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount

from kombo_portal.sandbox.api import API_ROUTES
from kombo_portal.sandbox.context import SandboxConfig, SandboxContext
from kombo_portal.sandbox.control import CONTROL_ROUTES
from kombo_portal.sandbox.faults import FaultInjector, Faults
from kombo_portal.sandbox.flow_routes import FLOW_ROUTES

__all__ = ["SandboxConfig", "create_sandbox_app"]


def create_sandbox_app(
    config: SandboxConfig,
    get_engine: Callable[[], Engine],
    on_webhook_enqueued: Callable[[], None] = lambda: None,
) -> Starlette:
    """The sandbox app. `on_webhook_enqueued` wakes the deliverer after a change."""
    faults = Faults()
    app = Starlette(
        routes=[
            Mount("/v1", routes=API_ROUTES, middleware=[Middleware(FaultInjector, faults=faults)]),
            Mount("/control", routes=CONTROL_ROUTES),
            *FLOW_ROUTES,
        ]
    )
    app.state.sandbox = SandboxContext(config, get_engine, faults, on_webhook_enqueued)
    return app
