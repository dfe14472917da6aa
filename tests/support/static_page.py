"""A host page on a real loopback HTTP server, for browser tests outside the app."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from harness.local_server import serve_in_thread


@contextmanager
def static_site(files: dict[str, tuple[str, bytes]]) -> Iterator[str]:
    """Serve `{path: (content type, body)}`; yields the base URL."""

    async def serve(request: Request) -> Response:
        if request.url.path not in files:
            return Response(status_code=404)
        content_type, body = files[request.url.path]
        return Response(body, media_type=content_type)

    with serve_in_thread(Starlette(routes=[Route("/{path:path}", serve)])) as url:
        yield url
