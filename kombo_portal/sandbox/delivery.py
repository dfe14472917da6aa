"""Sends the sandbox's outbox of webhooks, signed exactly as Kombo signs them.

At least once: a delivery is retried with growing waits until the receiver
answers 2xx. Rows are claimed before sending, so several processes sharing the
database rarely send the same row twice (and the receiver deduplicates anyway).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta
from typing import Any, cast
from urllib.parse import urlsplit, urlunsplit

import httpx
from sqlalchemy import CursorResult, Engine, update
from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from kombo_portal.db.models import utc_now
from kombo_portal.db.threads import in_database_thread
from kombo_portal.db.transaction import reading, transaction
from kombo_portal.kombo.signature import SIGNATURE_HEADER, sign_webhook
from kombo_portal.logs import REQUEST_ID_HEADER, log_id
from kombo_portal.sandbox.models import SandboxWebhookDelivery

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 15
MAX_RETRY_WAIT = timedelta(seconds=60)
# A claimed row is left alone by others for this long (a send takes at most the timeout).
CLAIM_DURATION = timedelta(seconds=30)
SEND_TIMEOUT_SECONDS = 10.0
BATCH_SIZE = 50


def retry_wait(attempts: int, longest: timedelta = MAX_RETRY_WAIT) -> timedelta:
    """1 s, 2 s, 4 s, ... up to `longest` (by default a minute) between tries."""
    return min(longest, timedelta(seconds=2 ** max(0, attempts - 1)))


class WebhookDeliverer:
    def __init__(
        self,
        engine: Engine,
        secret: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        poll_seconds: float = 0.5,
        max_retry_wait: timedelta = MAX_RETRY_WAIT,
    ) -> None:
        self._engine = engine
        self._max_retry_wait = max_retry_wait
        self._secret = secret
        self._transport = transport
        self._poll_seconds = poll_seconds
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def wake(self) -> None:
        """Deliver now rather than at the next poll (callable from any thread)."""
        if self._loop is not None and self._wake is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def run(self) -> None:
        """Deliver until cancelled."""
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        async with self._client() as http:
            while True:
                try:
                    await self.deliver_due(http)
                except Exception:
                    logger.exception("Sandbox webhook delivery pass failed; trying again")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self._poll_seconds)
                self._wake.clear()

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(timeout=SEND_TIMEOUT_SECONDS, transport=self._transport)

    async def deliver_due(self, http: httpx.AsyncClient | None = None) -> int:
        """One pass over the due deliveries; returns how many were sent successfully."""
        if http is None:
            async with self._client() as own:
                return await self.deliver_due(own)
        claimed = await in_database_thread(self._claim_due, utc_now())
        delivered = 0
        for delivery_id, target_url, body in claimed:
            # Each attempt has an id of its own, sent along as X-Request-ID, so the
            # receiver's lines about it carry the same id as ours.
            with log_id() as request_id:
                status, error = await self._send(http, target_url, body, request_id)
                await in_database_thread(self._record, delivery_id, status, error, utc_now())
            delivered += status is not None and 200 <= status < 300
        return delivered

    async def _send(
        self, http: httpx.AsyncClient, target_url: str, body: str, request_id: str
    ) -> tuple[int | None, str | None]:
        raw = body.encode()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign_webhook(self._secret, raw),
            "User-Agent": "kombo-portal-sandbox",
            REQUEST_ID_HEADER: request_id,
        }
        try:
            response = await http.post(target_url, content=raw, headers=headers)
        except httpx.HTTPError as error:
            return None, f"{type(error).__name__}: {error}"[:500]
        return response.status_code, None

    def _claim_due(self, now: datetime) -> list[tuple[str, str, str]]:
        # Looked for first with a read, which takes no lock: most passes find nothing,
        # and a write transaction would queue behind every other writer for it.
        with reading(self._engine) as session:
            if not session.exec(_due(now, col(SandboxWebhookDelivery.id)).limit(1)).first():
                return []
        with transaction(self._engine) as session:
            claimed = []
            for delivery in session.exec(_due(now).limit(BATCH_SIZE)).all():
                # Only the process whose update matched the row as it saw it sends it.
                # An UPDATE's result is a CursorResult: it has the row count.
                result = cast(
                    "CursorResult[Any]",
                    session.execute(
                        update(SandboxWebhookDelivery)
                        .where(col(SandboxWebhookDelivery.id) == delivery.id)
                        .where(
                            col(SandboxWebhookDelivery.next_attempt_at) == delivery.next_attempt_at
                        )
                        .values(next_attempt_at=now + CLAIM_DURATION)
                    ),
                )
                if result.rowcount == 1:
                    claimed.append((delivery.id, delivery.target_url, delivery.body))
            return claimed

    def _record(self, delivery_id: str, status: int | None, error: str | None, now: datetime):
        with transaction(self._engine) as session:
            delivery = session.get(SandboxWebhookDelivery, delivery_id)
            if delivery is None:
                return
            delivery.attempts += 1
            delivery.last_status = status
            delivery.last_error = error
            if status is not None and 200 <= status < 300:
                delivery.delivered_at = now
            else:
                delivery.next_attempt_at = now + retry_wait(delivery.attempts, self._max_retry_wait)
                logger.info(
                    "Sandbox webhook %s to %s failed (%s), attempt %d",
                    delivery.event_type,
                    _without_credentials(delivery.target_url),
                    status or error,
                    delivery.attempts,
                )
            session.add(delivery)


def _due(now: datetime, what: Any = SandboxWebhookDelivery) -> SelectOfScalar[Any]:
    """The deliveries due at `now`, oldest first (`what`: the rows, or a column of them)."""
    return (
        select(what)
        .where(col(SandboxWebhookDelivery.delivered_at).is_(None))
        .where(col(SandboxWebhookDelivery.attempts) < MAX_ATTEMPTS)
        .where(col(SandboxWebhookDelivery.next_attempt_at) <= now)
        .order_by(col(SandboxWebhookDelivery.created_at))
    )


def _without_credentials(url: str) -> str:
    """`url` for a log line: a password or token in its user part or query stays out."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, "", ""))
