"""`POST /webhooks/kombo`: Kombo's webhooks, on the public internet, trusted only
when signed. Also answers on `/webhooks/kombo/integration-created`, the path in
Kombo's own guide.

| what arrives                        | answer |
|-------------------------------------|--------|
| body over 1 MiB                     | 413, not read to the end |
| missing or wrong signature          | 401, nothing stored, logged without the body |
| not UTF-8 JSON, or no string `id` and `type` and object `data` | 400 |
| an event id seen before             | 200, nothing applied again |
| the database fails                  | 503, nothing stored: Kombo delivers again |
| anything else signed and well formed | 200, stored and applied |
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from sqlalchemy import Engine
from sqlalchemy.exc import DataError, SQLAlchemyError
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from kombo_portal import metrics
from kombo_portal.kombo.signature import SIGNATURE_HEADER, verify_webhook_signature
from kombo_portal.paths import WEBHOOK_PATHS
from kombo_portal.records.webhook_events import InvalidEvent, parse_event
from kombo_portal.use_cases.webhooks import receive_event

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024

# Told when a stored event left a record waiting for what a webhook does not carry
# (the tool's label and logo), so the fetcher asks Kombo now; it does so outside this
# request, which is answered at once (use_cases.tool_details).
DetailsNeeded = Callable[[], None]


class BodyTooLarge(Exception):
    pass


async def read_limited_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def webhook_routes(
    get_engine: Callable[[], Engine],
    get_secrets: Callable[[], Sequence[str]],
    details_needed: DetailsNeeded | None = None,
    get_setup_categories: Callable[[], frozenset[str]] = frozenset,
) -> list[Route]:
    async def receive(request: Request) -> JSONResponse:
        try:
            raw = await read_limited_body(request)
        except BodyTooLarge:
            # Unsigned so far: the type it claims is not to be trusted.
            metrics.count_webhook("unknown", "too_large")
            return _answer(413, "the body is larger than 1 MiB")
        except ClientDisconnect:
            metrics.count_webhook("unknown", "bad_body")
            return _answer(400, "the body was not sent completely")
        if not verify_webhook_signature(get_secrets(), raw, request.headers.get(SIGNATURE_HEADER)):
            logger.warning(
                "Refused a webhook with a %s signature from %s (%d bytes)",
                "wrong" if request.headers.get(SIGNATURE_HEADER) else "missing",
                request.client.host if request.client else "?",
                len(raw),
            )
            metrics.count_webhook("unknown", "refused_signature")
            return _answer(401, "the signature is missing or wrong")
        try:
            event = parse_event(raw)
        except InvalidEvent as invalid:
            metrics.count_webhook("unknown", "bad_body")
            return _answer(400, str(invalid))
        event_type = metrics.webhook_type_label(event.type)
        try:
            result = await receive_event(get_engine(), event, get_setup_categories())
        except DataError:
            # The database refused a value of this event: delivering it again cannot help.
            logger.warning("Webhook %s refused by the database as invalid data", event.id)
            metrics.count_webhook(event_type, "bad_body")
            return _answer(400, "a value in the event is not valid")
        except SQLAlchemyError as error:
            logger.error("Webhook %s not stored: database error %s", event.id, type(error).__name__)
            metrics.count_webhook(event_type, "database_error")
            return _answer(503, "not stored; deliver it again")
        # The id, the type and the code's own reason for a flag only: the body holds
        # customers' names and emails.
        logger.info(
            "Webhook %s (%s): %s%s",
            event.id,
            event.type,
            result.outcome.value,
            f" ({result.flag})" if result.flag else "",
        )
        metrics.count_webhook(event_type, result.outcome.value)
        if result.needs_details_for and details_needed:
            details_needed()
        return JSONResponse({"status": "ok", "outcome": result.outcome.value})

    return [Route(path, receive, methods=["POST"]) for path in WEBHOOK_PATHS]


def _answer(status: int, message: str) -> JSONResponse:
    return JSONResponse({"status": "error", "message": message}, status_code=status)
