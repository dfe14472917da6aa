"""Fetches Kombo's details of the tools of integrations recorded without them, until
they arrive: right after the news that made the record (the webhook route wakes it),
then with growing waits after failures, and again after a restart, because what is
due is kept in the database (records.tool_details), not in memory.

Meanwhile the card shows the tool id. Every process runs one fetcher; the claim on a
record keeps two of them from fetching it at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Engine

from kombo_portal.db.models import utc_now
from kombo_portal.db.threads import in_database_thread
from kombo_portal.db.transaction import reading, transaction
from kombo_portal.kombo import KomboClient, KomboError
from kombo_portal.logs import log_id
from kombo_portal.records.tool_details import (
    DueDetails,
    claim_details,
    details_failed,
    due_details,
    next_details_due,
    stop_asking,
)
from kombo_portal.use_cases.kombo_details import refresh_from_kombo

logger = logging.getLogger(__name__)

# The client already retries a call a few times within seconds (kombo.client); these
# waits are for a Kombo that stays unreachable for longer.
FIRST_WAIT = timedelta(seconds=15)
LONGEST_WAIT = timedelta(hours=1)
# Longer than any one call can take with the client's own retries (its budget, or one
# timeout of at most two minutes): a claim never runs out while its fetch is running.
CLAIM_DURATION = timedelta(minutes=5)
BATCH_SIZE = 20
# Looks for due records at least this often, when nothing wakes it earlier.
POLL_SECONDS = 60.0
MIN_PAUSE_SECONDS = 1.0


def wait_after(failures: int, retry_after_seconds: float | None = None) -> timedelta:
    """15 s after the first failure, doubling up to an hour; longer if Kombo asked."""
    # The exponent stops growing once the wait is an hour: a record that kept failing
    # for weeks would otherwise overflow timedelta.
    doublings = min(max(0, failures - 1), 8)
    wait = min(LONGEST_WAIT, FIRST_WAIT * 2**doublings)
    if retry_after_seconds is not None:
        asked = timedelta(seconds=min(retry_after_seconds, LONGEST_WAIT.total_seconds()))
        wait = max(wait, asked)
    return wait


class ToolDetailsFetcher:
    def __init__(
        self,
        get_engine: Callable[[], Engine],
        kombo: KomboClient,
        *,
        poll_seconds: float = POLL_SECONDS,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._get_engine = get_engine
        self._kombo = kombo
        self._poll_seconds = poll_seconds
        self._clock = clock
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def wake(self) -> None:
        """Fetch now rather than at the next due time (callable from any thread)."""
        if self._loop is not None and self._wake is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def run(self) -> None:
        """Fetch what is due until cancelled."""
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        while True:
            try:
                await self.fetch_due()
                pause = await self._seconds_until_next_due()
            except Exception:
                logger.exception("Fetching tool details failed; trying again")
                pause = self._poll_seconds
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=pause)
            self._wake.clear()

    async def fetch_due(self) -> int:
        """One pass over the records due now; returns how many got their details."""
        engine = self._get_engine()
        now = self._clock()
        claimed = await in_database_thread(_claim_due, engine, now, now + CLAIM_DURATION)
        fetched = 0
        for due in claimed:
            # An id of its own for the lines about each fetch, as a request has.
            with log_id():
                fetched += await self._fetch(engine, due, now + CLAIM_DURATION)
        return fetched

    async def _fetch(self, engine: Engine, due: DueDetails, claimed_until: datetime) -> bool:
        kombo_id = due.kombo_integration_id
        try:
            await refresh_from_kombo(engine, self._kombo, kombo_id, due.organisation_id)
        except KomboError as error:
            if error.is_not_found:
                logger.warning("Details of %s: Kombo does not know it; not asking again", kombo_id)
                await in_database_thread(
                    _in_transaction, engine, stop_asking, kombo_id, claimed_until
                )
                return False
            wait = wait_after(due.failures + 1, error.retry_after_seconds)
            logger.warning(
                "Details of %s not fetched (%s); trying again in %d s",
                kombo_id,
                error,
                wait.total_seconds(),
            )
        except Exception:
            # Not Kombo's answer (the database, a bug): log it whole, and try again
            # later rather than leave the claim to run out.
            logger.exception("Details of %s not recorded", kombo_id)
            wait = wait_after(due.failures + 1)
        else:
            logger.info("Details of %s fetched", kombo_id)
            return True
        await in_database_thread(
            _in_transaction, engine, details_failed, kombo_id, claimed_until, self._clock() + wait
        )
        return False

    async def _seconds_until_next_due(self) -> float:
        next_due = await in_database_thread(_next_due, self._get_engine())
        if next_due is None:
            return self._poll_seconds
        # At least a second: a record due but not claimable (another process holds
        # it) must not make this loop spin.
        until_due = (next_due - self._clock()).total_seconds()
        return min(self._poll_seconds, max(MIN_PAUSE_SECONDS, until_due))


def _claim_due(engine: Engine, now: datetime, until: datetime) -> list[DueDetails]:
    with reading(engine) as session:
        candidates = due_details(session, now, BATCH_SIZE)
    if not candidates:
        return []  # the usual case: no write, so no writer lock on SQLite
    with transaction(engine) as session:
        return [due for due in candidates if claim_details(session, due, until)]


def _in_transaction(engine: Engine, change: Callable[..., bool], *args: object) -> bool:
    with transaction(engine) as session:
        return change(session, *args)


def _next_due(engine: Engine) -> datetime | None:
    with reading(engine) as session:
        return next_details_due(session)
