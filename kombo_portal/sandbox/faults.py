"""Faults on demand in the sandbox's API, to see how a client copes with a slow or
failing Kombo. `POST /control/faults` adds one; `GET` lists them with how often
each was served; `DELETE` removes them all.

| kind             | what a matching request gets                                     |
|------------------|------------------------------------------------------------------|
| `latency`        | its answer, `seconds` late                                       |
| `429`            | 429 `PLATFORM.RATE_LIMIT_EXCEEDED` (`Retry-After` if given)      |
| `500`            | 500 `PLATFORM.UNKNOWN_ERROR`, with a `log_url`                   |
| `503`            | 503 with a plain-text body, as from a load balancer (`Retry-After` if given) |
| `malformed_json` | 200 with a JSON body cut off in the middle                       |
| `reset`          | the connection drops after the status line, before the body     |
| `timeout`        | no answer for `seconds` (120 unless given), then 504             |

A fault matches requests whose path starts with `path_prefix` (under the sandbox,
`/v1` optional: `/v1/connect/create-link`) and, if given, whose `method` is the
one named; it serves the next `count` of them (1 unless given), the oldest fault
first. With `after_handling`, the sandbox first handles the request (its effects
happen) and the fault then delays or replaces the answer: Kombo did it, the
client never heard. Faults live in the memory of the process serving the sandbox.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass

from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kombo_portal.sandbox.inputs import new_log_url

FAULT_KINDS = ("latency", "429", "500", "503", "malformed_json", "reset", "timeout")
METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH")
API_PREFIX = "/v1"
MAX_SECONDS = 600.0
MAX_COUNT = 1000
MAX_FAULTS = 50
MAX_RETRY_AFTER = 86400
MAX_PREFIX_LENGTH = 500
DEFAULT_SECONDS = {"latency": 1.0, "timeout": 120.0}
FIELDS = ("kind", "path_prefix", "method", "count", "seconds", "retry_after", "after_handling")


class FaultInvalid(ValueError):
    """A fault that cannot be set up; the message says which field is wrong."""


@dataclass
class Fault:
    kind: str
    path_prefix: str  # under /v1, starting with "/"
    method: str | None
    count: int
    seconds: float
    retry_after: int | None
    after_handling: bool
    served: int = 0

    def matches(self, method: str, path: str) -> bool:
        return (
            self.served < self.count
            and path.startswith(self.path_prefix)
            and (self.method is None or self.method == method)
        )

    def describe(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "path_prefix": API_PREFIX + self.path_prefix,
            "method": self.method,
            "count": self.count,
            "served": self.served,
            "seconds": self.seconds,
            "retry_after": self.retry_after,
            "after_handling": self.after_handling,
        }


def parse_fault(body: object) -> Fault:
    """A fault from the control endpoint's JSON body; FaultInvalid names what is wrong."""
    if not isinstance(body, dict):
        raise FaultInvalid("Send a JSON object.")
    unknown = sorted(str(key)[:40] for key in body if key not in FIELDS)
    if unknown:
        raise FaultInvalid(f"Unknown field(s): {', '.join(unknown)}. Known: {', '.join(FIELDS)}.")
    kind = body.get("kind")
    kind = str(kind) if isinstance(kind, int) and not isinstance(kind, bool) else kind
    if kind not in FAULT_KINDS:
        raise FaultInvalid(f"kind: must be one of {', '.join(FAULT_KINDS)}.")
    prefix = body.get("path_prefix", API_PREFIX)
    if not isinstance(prefix, str) or not prefix.startswith("/"):
        raise FaultInvalid("path_prefix: must be a path starting with '/'.")
    if len(prefix) > MAX_PREFIX_LENGTH:
        raise FaultInvalid(f"path_prefix: at most {MAX_PREFIX_LENGTH} characters.")
    if prefix == API_PREFIX or prefix.startswith(API_PREFIX + "/"):
        prefix = prefix[len(API_PREFIX) :] or "/"
    method = body.get("method")
    if method is not None:
        if not isinstance(method, str) or method.upper() not in METHODS:
            raise FaultInvalid(f"method: must be one of {', '.join(METHODS)}.")
        method = method.upper()
    count = _number(body, "count", 1, minimum=1, maximum=MAX_COUNT, integer=True)
    seconds = _number(
        body, "seconds", DEFAULT_SECONDS.get(kind, 0.0), minimum=0, maximum=MAX_SECONDS
    )
    retry_after = body.get("retry_after")
    if retry_after is not None:
        retry_after = _number(
            body, "retry_after", 0, minimum=0, maximum=MAX_RETRY_AFTER, integer=True
        )
    after_handling = body.get("after_handling", False)
    if not isinstance(after_handling, bool):
        raise FaultInvalid("after_handling: must be true or false.")
    return Fault(
        kind=kind,
        path_prefix=prefix,
        method=method,
        count=int(count),
        seconds=float(seconds),
        retry_after=None if retry_after is None else int(retry_after),
        after_handling=after_handling,
    )


def _number(
    body: dict, name: str, default: float, *, minimum: float, maximum: float, integer=False
) -> float:
    value = body.get(name, default)
    wrong_type = isinstance(value, bool) or not isinstance(value, int | float)
    if wrong_type or (integer and not isinstance(value, int)):
        raise FaultInvalid(f"{name}: must be {'a whole number' if integer else 'a number'}.")
    if not minimum <= value <= maximum:
        raise FaultInvalid(f"{name}: must be between {minimum} and {maximum}.")
    return value


class Faults:
    """The faults set up so far. The control endpoint adds from a worker thread while
    the middleware takes on the event loop, hence the lock."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> None:
        """Raises FaultInvalid when MAX_FAULTS are still waiting to be served."""
        with self._lock:
            # Served ones go; a bounded list keeps each request's lookup cheap.
            self._faults = [each for each in self._faults if each.served < each.count]
            if len(self._faults) >= MAX_FAULTS:
                raise FaultInvalid(
                    f"at most {MAX_FAULTS} faults wait at once; DELETE /control/faults first."
                )
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def describe(self) -> list[dict[str, object]]:
        with self._lock:
            return [fault.describe() for fault in self._faults]

    def take(self, method: str, path: str) -> Fault | None:
        """The oldest fault still to serve that matches, counted as served."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.served += 1
                    return fault
        return None


class FaultInjector:
    """ASGI middleware around the sandbox's API that serves the faults set up."""

    def __init__(self, app: ASGIApp, faults: Faults) -> None:
        self.app = app
        self.faults = faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        fault = None
        if scope["type"] == "http":
            fault = self.faults.take(scope["method"], _route_path(scope))
        if fault is None:
            await self.app(scope, receive, send)
            return
        answer: list[Message] = []
        if fault.after_handling:

            async def keep(message: Message) -> None:
                answer.append(message)

            await self.app(scope, receive, keep)
        if fault.kind == "latency":
            await asyncio.sleep(fault.seconds)
            if fault.after_handling:
                for message in answer:
                    await send(message)
            else:
                await self.app(scope, receive, send)
            return
        if fault.kind == "reset":
            # A status line and a promise of more, then nothing: a server drops the
            # connection when an app fails after starting its answer.
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", b"1000"),
                    ],
                }
            )
            raise ConnectionResetError("sandbox fault: the connection was reset")
        if fault.kind == "timeout" and not await _held(fault.seconds, receive):
            return
        await _fault_response(fault)(scope, receive, send)


async def _held(seconds: float, receive: Receive) -> bool:
    """Hold the request `seconds`; False if the client went away meanwhile (a server
    would not keep answering nobody)."""

    async def disconnected() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    try:
        await asyncio.wait_for(disconnected(), seconds)
    except TimeoutError:
        return True
    return False


def _fault_response(fault: Fault) -> Response:
    retry_after = {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
    if fault.kind == "429":
        return _kombo_error(
            429,
            "PLATFORM.RATE_LIMIT_EXCEEDED",
            "Too many requests (sandbox fault).",
            retry_after,
        )
    if fault.kind == "500":
        # A failure inside Kombo is an interaction its log lists; a refusal at the
        # door (429) is not.
        return _kombo_error(
            500, "PLATFORM.UNKNOWN_ERROR", "Internal error (sandbox fault).", {}, new_log_url()
        )
    if fault.kind == "503":
        return PlainTextResponse("Service Unavailable", status_code=503, headers=retry_after)
    if fault.kind == "malformed_json":
        return Response(b'{"status": "success", "data": {"li', media_type="application/json")
    return PlainTextResponse("Gateway Timeout", status_code=504)


def _kombo_error(
    status: int, code: str, message: str, headers: dict[str, str], log_url: str | None = None
) -> JSONResponse:
    return JSONResponse(
        {
            "status": "error",
            "error": {"code": code, "title": None, "message": message, "log_url": log_url},
        },
        status_code=status,
        headers=headers,
    )


def _route_path(scope: Scope) -> str:
    """The request's path below the mount this middleware sits in (as Starlette routes)."""
    path, root = scope["path"], scope.get("root_path", "")
    if root and path.startswith(root) and path[len(root) : len(root) + 1] in ("", "/"):
        return path[len(root) :] or "/"
    return path
