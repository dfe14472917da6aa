"""`GET /metrics`: the portal's metrics in Prometheus' text format, for a scraper that
holds the bearer token PORTAL_METRICS_TOKEN.

| what arrives                       | answer |
|------------------------------------|--------|
| no token configured                | 404, as if there were no such page |
| no or another `Authorization: Bearer` | 401 with `WWW-Authenticate: Bearer`, nothing else |
| the token                          | 200, every metric family |
"""

from __future__ import annotations

import hmac
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from kombo_portal import metrics
from kombo_portal.paths import METRICS_PATH

BEARER = "bearer "


def metrics_route(get_token: Callable[[], str | None]) -> Route:
    """`get_token`: the configured token, or None when metrics are off."""

    async def serve_metrics(request: Request) -> Response:
        token = get_token()
        if token is None:
            # Off: indistinguishable from a portal without the route.
            return PlainTextResponse("Not Found", status_code=404)
        if not _bearer_matches(request.headers.get("authorization", ""), token):
            return Response(status_code=401, headers={"WWW-Authenticate": "Bearer"})
        return Response(
            metrics.render(),
            media_type=metrics.CONTENT_TYPE,
            headers={"Cache-Control": "no-store"},
        )

    return Route(METRICS_PATH, serve_metrics, methods=["GET"])


def _bearer_matches(authorization: str, token: str) -> bool:
    if authorization[: len(BEARER)].lower() != BEARER:
        return False
    given = authorization[len(BEARER) :].strip()
    # Constant time: how long a wrong guess takes says nothing about the token.
    return hmac.compare_digest(given.encode(), token.encode())
