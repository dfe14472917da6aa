"""Receiving one of Kombo's webhooks, once verified: applied and stored in the inbox
in one transaction, once (records.webhook_events says how)."""

from __future__ import annotations

from sqlalchemy import Engine

from kombo_portal.db.threads import in_database_thread
from kombo_portal.db.transaction import transaction
from kombo_portal.records.webhook_events import (
    AlreadyStored,
    IngestResult,
    KomboEvent,
    Outcome,
    ingest,
)


async def receive_event(
    engine: Engine, event: KomboEvent, setup_categories: frozenset[str] = frozenset()
) -> IngestResult:
    """Apply `event` and store it, or nothing (a repeat: DUPLICATE). Either the event is
    in the inbox and its effects are in the database, or neither is. `setup_categories`:
    see records.webhook_events.ingest."""
    return await in_database_thread(_ingest_once, engine, event, setup_categories)


def _ingest_once(
    engine: Engine, event: KomboEvent, setup_categories: frozenset[str]
) -> IngestResult:
    try:
        with transaction(engine) as session:
            return ingest(session, event, setup_categories)
    except AlreadyStored:
        # Raised inside the transaction: what this delivery applied again is undone.
        return IngestResult(Outcome.DUPLICATE)
