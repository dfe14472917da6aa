"""`GET /healthz`: is this instance able to serve? For load balancers and uptime checks."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import Engine
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from kombo_portal.db.engine import DatabaseNotMigrated
from kombo_portal.paths import HEALTH_PATH
from kombo_portal.use_cases.health import check_ready

logger = logging.getLogger(__name__)


def health_route(get_engine: Callable[[], Engine], in_sandbox_mode: Callable[[], bool]) -> Route:
    """`in_sandbox_mode`: whether the schema to expect has the sandbox's tables."""

    async def healthz(_request: Request) -> JSONResponse:
        try:
            await check_ready(get_engine(), sandbox=in_sandbox_mode())
        except DatabaseNotMigrated:
            logger.warning("Health check: the database schema is behind the code")
            return _unavailable(database="not migrated")
        except Exception as error:
            logger.warning("Health check: database unreachable: %s", type(error).__name__)
            return _unavailable(database="unreachable")
        return JSONResponse(
            {"status": "ok", "database": "ok"}, headers={"Cache-Control": "no-store"}
        )

    return Route(HEALTH_PATH, healthz, methods=["GET"])


def _unavailable(**down: str) -> JSONResponse:
    return JSONResponse(
        {"status": "unavailable", **down}, status_code=503, headers={"Cache-Control": "no-store"}
    )
