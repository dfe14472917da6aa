"""The portal's log lines: one handler for the `kombo_portal` logger tree, writing
readable text or JSON lines to stderr, each line carrying the id of the request
or event it was written for, with known secret values replaced by `[redacted]`.

Ids:

- HTTP requests get one from `RequestIdMiddleware`: the caller's `X-Request-ID`
  when it is a short, safe token, else a new one; the response echoes it.
- Reflex events carry the id Reflex gives every event it handles (its
  transaction id), read from Reflex's own event context when a line is written.
  Every handler is covered that way, inherited ones and page loads included,
  with no decorator or base class that a new handler could forget.
- Work a request starts (background tasks, threads) runs in a copy of its
  context and so carries the same id; long-running work gives itself ids with
  `log_id()`.

Servers may reconfigure logging after importing the app (granian workers run
`logging.config.dictConfig`, which closes every handler it finds), so
`configure_logging` is idempotent and the app calls it again when it starts
serving.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TextIO
from urllib.parse import unquote, urlsplit

from kombo_portal.redaction import Redactor

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from kombo_portal.config import Settings

LOGGER_NAME = "kombo_portal"
REQUEST_ID_HEADER = "X-Request-ID"

# What a caller may choose as its request id: nothing that could break a log line,
# a header, or a log search.
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_REQUEST_ID_HEADER_KEY = REQUEST_ID_HEADER.lower().encode("latin-1")

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_RECORD_ATTRIBUTES = frozenset(logging.makeLogRecord({}).__dict__) | {
    "message",
    "asctime",
    "taskName",
    "request_id",
    "event_id",
}


@dataclass(frozen=True, slots=True)
class LogId:
    field: str  # "request_id" or "event_id": the key it goes under in a line
    value: str


_current_id: ContextVar[LogId | None] = ContextVar("kombo_portal_log_id", default=None)


def new_id() -> str:
    return secrets.token_hex(8)


def safe_request_id(value: str | None) -> str | None:
    """`value` if it may be used as a request id as it is, else None."""
    if value and _SAFE_REQUEST_ID.fullmatch(value):
        return value
    return None


@contextmanager
def log_id(value: str | None = None, field: str = "request_id") -> Iterator[str]:
    """Lines written inside carry this id (a new one unless given)."""
    chosen = LogId(field, value or new_id())
    token = _current_id.set(chosen)
    try:
        yield chosen.value
    finally:
        _current_id.reset(token)


def current_log_id() -> LogId | None:
    """The id of what is being handled: the Reflex event, else the request or task.

    The event comes first: an event that arrived over an HTTP transport (socket.io
    long-polling) runs in a copy of that request's context, but is its own unit of work.
    """
    event_id = _reflex_event_id()
    if event_id:
        return LogId("event_id", event_id)
    return _current_id.get()


try:
    from reflex_base.event.context import EventContext as _ReflexEventContext
except ImportError:  # pragma: no cover
    # A Reflex that keeps its event context elsewhere: lines still go out, without
    # event ids (the tests of this module notice).
    _ReflexEventContext = None


def _reflex_event_id() -> str | None:
    if _ReflexEventContext is None:
        return None
    try:
        context = _ReflexEventContext.get()
    except LookupError:
        return None
    # Outside events (HTTP requests, start-up) Reflex sets a root context whose id is empty.
    return getattr(context, "txid", None) or None


# -- The middleware ----------------------------------------------------------------


class RequestIdMiddleware:
    """Pure ASGI: gives each HTTP request an id for its log lines and echoes it in
    the response's `X-Request-ID`. Usable as a Reflex `api_transformer` item."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            # Websocket traffic is Reflex's events, which carry their own ids.
            await self.app(scope, receive, send)
            return
        request_id = _incoming_request_id(scope) or new_id()
        header = (_REQUEST_ID_HEADER_KEY, request_id.encode("latin-1"))

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (key, value)
                    for key, value in message.get("headers", [])
                    if key.lower() != _REQUEST_ID_HEADER_KEY
                ]
                message = {**message, "headers": [*headers, header]}
            await send(message)

        with log_id(request_id):
            await self.app(scope, receive, send_with_id)


def _incoming_request_id(scope: Scope) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == _REQUEST_ID_HEADER_KEY:
            return safe_request_id(value.decode("latin-1"))
    return None


# -- Filters and formats -----------------------------------------------------------


class StampLogId(logging.Filter):
    """Puts the current request or event id on the record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) or getattr(record, "event_id", None):
            return True  # given explicitly with extra=
        current = current_log_id()
        if current is not None:
            setattr(record, current.field, current.value)
        return True


class RedactSecrets(logging.Filter):
    """Replaces known secret values, and run-time secrets by their place, with
    `[redacted]` (kombo_portal.redaction): a safety net behind code that never logs
    them. Also on the portal's own handler, so its lines are redacted in processes
    where the process-wide net is not installed (tools, tests)."""

    def __init__(self, values: Iterable[str]) -> None:
        super().__init__()
        self._redactor = Redactor(values)

    def redact(self, text: str) -> str:
        return self._redactor.redact(text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text once it is set, so the traceback is redacted too.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        for name, value in _extras(record):
            if isinstance(value, str):
                setattr(record, name, self.redact(value))
        return True


def _extras(record: logging.LogRecord) -> list[tuple[str, object]]:
    return [(k, v) for k, v in record.__dict__.items() if k not in _RECORD_ATTRIBUTES]


def _timestamp(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds")


def _exception_text(formatter: logging.Formatter, record: logging.LogRecord) -> str | None:
    if record.exc_info and not record.exc_text:
        record.exc_text = formatter.formatException(record.exc_info)
    parts = [part for part in (record.exc_text, record.stack_info) if part]
    return "\n".join(parts) or None


class JsonFormatter(logging.Formatter):
    """One JSON object per line. The keys match Reflex's own JSON log records
    (`REFLEX_LOG_JSON`), so a combined stream has one shape."""

    def format(self, record: logging.LogRecord) -> str:
        # Extras first: the fields below always win over a same-named extra.
        payload: dict[str, object] = dict(_extras(record))
        payload.update(
            timestamp=_timestamp(record),
            level=record.levelname.lower(),
            logger=record.name,
            message=record.getMessage(),
            pid=record.process,
        )
        for field in ("request_id", "event_id"):
            if value := getattr(record, field, None):
                payload[field] = value
        if exception := _exception_text(self, record):
            payload["exception"] = exception
        return json.dumps(payload, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """`TIME LEVEL logger [request_id=...] message key=value`, one line per record
    (plus the traceback, if any)."""

    def format(self, record: logging.LogRecord) -> str:
        parts = [_timestamp(record), record.levelname, record.name]
        for field in ("request_id", "event_id"):
            if value := getattr(record, field, None):
                parts.append(f"[{field}={value}]")
        # A message cannot start a line of its own and pass for another record.
        parts.append(record.getMessage().replace("\r", "\\r").replace("\n", "\\n"))
        parts.extend(f"{name}={value}" for name, value in _extras(record))
        line = " ".join(parts)
        if exception := _exception_text(self, record):
            line = f"{line}\n{exception}"
        return line


class PortalHandler(logging.Handler):
    """Writes each record as a line to `stream`, by default whatever `sys.stderr` is
    when the line is written. It holds no stream of its own, so a server closing
    inherited handlers (`dictConfig`) or replacing stderr does not silence it."""

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__()
        self.stream = stream

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
            stream = self.stream or sys.stderr
            stream.write(line + "\n")
            stream.flush()
        except RecursionError:
            raise
        except Exception:
            self.handleError(record)


# -- Configuration -----------------------------------------------------------------


def configure_logging(
    *,
    log_format: str = "text",
    level: str = "INFO",
    secret_values: Iterable[str] = (),
    stream: TextIO | None = None,
) -> PortalHandler:
    """Give the `kombo_portal` logger tree its handler; calling again updates it.

    The tree does not propagate to the root logger, so each record is one line
    in the chosen format whatever else configures logging in the process.
    """
    logger = logging.getLogger(LOGGER_NAME)
    handler = next((h for h in logger.handlers if isinstance(h, PortalHandler)), None)
    if handler is None:
        handler = PortalHandler(stream)
        logger.addHandler(handler)
    elif stream is not None:
        handler.stream = stream
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    handler.filters[:] = [StampLogId(), RedactSecrets(secret_values)]
    logger.setLevel(level.upper())
    logger.propagate = False
    logger.disabled = False
    # A dictConfig with disable_existing_loggers disables every logger it does not
    # name; the portal's must keep speaking.
    for name, child in logging.root.manager.loggerDict.items():
        if name.startswith(LOGGER_NAME + ".") and isinstance(child, logging.Logger):
            child.disabled = False
    return handler


def configure_from_settings(settings: Settings, stream: TextIO | None = None) -> PortalHandler:
    return configure_logging(
        log_format=settings.logging.format.value,
        level=settings.logging.level.value,
        secret_values=secret_values_of(settings),
        stream=stream,
    )


def configure_portal_logging() -> None:
    """The app's logging from its settings; run at import and when serving starts."""
    from kombo_portal.config import get_settings

    configure_from_settings(get_settings())


def secret_values_of(settings: Settings) -> list[str]:
    """Every value in the settings that must never appear in a log line."""
    values = [
        *settings.kombo.webhook_secrets,
        settings.security.secret_key,
        settings.sandbox.api_key,
    ]
    if settings.kombo.api_key is not None:
        values.append(settings.kombo.api_key.get_secret_value())
    if settings.oidc.client_secret is not None:
        values.append(settings.oidc.client_secret)
    # With it anyone could sign in as anyone, admin included.
    if settings.handoff.secret is not None:
        values.append(settings.handoff.secret)
    for url in (
        settings.infrastructure.database_url,
        settings.infrastructure.redis_url,
        settings.kombo.api_base_url_override,
        settings.sandbox.webhook_url,
    ):
        values.extend(url_passwords(url))
    return values


def url_passwords(url: str | None) -> list[str]:
    """The password in `url`, if any, in every form it may be written in."""
    try:
        password = urlsplit(url).password if url else None
    except ValueError:
        return []
    # As written in the URL (percent-encoded) and as a driver would use it.
    return [password, unquote(password)] if password else []
