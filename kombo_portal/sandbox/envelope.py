"""Kombo's envelope around the sandbox's API and control endpoints: the bearer key
checked, the JSON body read, the handler run in one transaction in a database
thread, its data or error answered as Kombo answers."""

from __future__ import annotations

import functools
import hmac
import json
from collections.abc import Awaitable, Callable

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from kombo_portal.db.threads import in_database_thread
from kombo_portal.db.transaction import reading
from kombo_portal.sandbox.context import sandbox_context
from kombo_portal.sandbox.inputs import SandboxError

MAX_BODY_BYTES = 64 * 1024

# (the request, the transaction's session, the parsed JSON body or None) -> data
Handler = Callable[[Request, Session, object], dict[str, object]]
Endpoint = Callable[[Request], Awaitable[Response]]


def kombo_endpoint(*, reads_body: bool, writes: bool = True) -> Callable[[Handler], Endpoint]:
    """`writes=False`: the handler only reads, in a session that takes no write lock
    (on SQLite it need not queue behind the process's writers: the portal's details
    fetch asks for an integration after every change)."""

    def wrap(handler: Handler) -> Endpoint:
        @functools.wraps(handler)
        async def endpoint(request: Request) -> Response:
            sandbox = sandbox_context(request)
            if not _authorised(request, sandbox.config.api_key):
                return error_response(
                    401,
                    "PLATFORM.AUTHENTICATION_INVALID",
                    "The API key is missing or not valid. "
                    "Send it as 'Authorization: Bearer <key>'.",
                )
            body: object = None
            if reads_body:
                raw = await request.body()
                if len(raw) > MAX_BODY_BYTES:
                    return error_response(
                        413, "PLATFORM.INPUT_INVALID", "The request body is too large."
                    )
                try:
                    body = json.loads(raw) if raw.strip() else {}
                except (json.JSONDecodeError, UnicodeDecodeError):
                    return error_response(
                        400, "PLATFORM.INPUT_INVALID", "The request body is not JSON."
                    )

            def run() -> dict[str, object] | SandboxError:
                if not writes:
                    with reading(sandbox.get_engine()) as session:
                        data = handler(request, session, body)
                        if session.new or session.dirty or session.deleted:
                            # A reading session never commits: the change would be lost.
                            raise RuntimeError(
                                f"{handler.__name__} changed rows: declare it writes=True"
                            )
                        return data
                with sandbox.transaction() as session:
                    try:
                        return handler(request, session, body)
                    except SandboxError as error:
                        if not error.keeps_changes:
                            raise  # and the transaction rolls back
                        return error  # committed with the transaction

            try:
                data = await in_database_thread(run)
            except SandboxError as error:
                data = error
            if isinstance(data, SandboxError):
                return error_response(data.status, data.code, data.message, log_url=data.log_url)
            return JSONResponse({"status": "success", "data": data})

        return endpoint

    return wrap


def error_response(
    status: int, code: str, message: str, *, log_url: str | None = None
) -> JSONResponse:
    return JSONResponse(
        {
            "status": "error",
            "error": {"code": code, "title": None, "message": message, "log_url": log_url},
        },
        status_code=status,
    )


def _authorised(request: Request, api_key: str) -> bool:
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        key.strip().encode(), api_key.encode()
    )
