"""`GET /healthz`: is this instance able to serve? For load balancers and uptime checks."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import Engine
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from kombo_portal.db.engine import DatabaseNotMigrated, check_database
from kombo_portal.db.threads import in_database_thread

logger = logging.getLogger(__name__)


def health_route(get_engine: Callable[[], Engine]) -> Route:
    async def healthz(_request: Request) -> JSONResponse:
        try:
            # Database drivers block; keep the event loop free for other requests.
            await in_database_thread(check_database, get_engine())
        except DatabaseNotMigrated:
            logger.warning("Health check: the database schema is behind the code")
            return _unavailable(database="not migrated")
        except Exception as error:
            logger.warning("Health check: database unreachable: %s", type(error).__name__)
            return _unavailable(database="unreachable")
        return JSONResponse(
            {"status": "ok", "database": "ok"}, headers={"Cache-Control": "no-store"}
        )

    return Route("/healthz", healthz, methods=["GET"])


def _unavailable(**down: str) -> JSONResponse:
    return JSONResponse(
        {"status": "unavailable", **down}, status_code=503, headers={"Cache-Control": "no-store"}
    )
