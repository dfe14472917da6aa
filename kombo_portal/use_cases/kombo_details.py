"""Kombo's integration details (tool label, logo, state) as facts for the record."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from kombo_portal.db.models import utc_now
from kombo_portal.db.threads import in_database_thread
from kombo_portal.db.transaction import transaction
from kombo_portal.kombo import Integration as KomboIntegration
from kombo_portal.kombo import KomboClient
from kombo_portal.records.integrations import (
    IntegrationFacts,
    find_by_kombo_id,
    lock_integration,
    record_integration,
)


def facts_from_details(
    details: KomboIntegration, organisation_id: str, as_of: datetime
) -> IntegrationFacts:
    """`as_of`: when the details were asked for; newer webhook news is not overwritten."""
    return IntegrationFacts(
        kombo_integration_id=details.id,
        organisation_id=organisation_id,
        category=str(details.category),
        tool_id=details.tool.id,
        tool_label=details.tool.label,
        tool_logo_url=details.tool.logo_url,
        state=str(details.status),
        setup_status=str(details.setup_status),
        state_as_of=as_of,
    )


async def refresh_from_kombo(
    engine: Engine, kombo: KomboClient, kombo_integration_id: str, organisation_id: str
) -> None:
    """Fill in what a webhook did not carry; raises KomboError if Kombo does not answer."""
    asked_at = utc_now()
    details = await kombo.get_integration(kombo_integration_id)
    facts = facts_from_details(details, organisation_id, asked_at)
    # In a thread: this runs on the web server's event loop, after a webhook's answer.
    await in_database_thread(_record_details, engine, facts)


def _record_details(engine: Engine, facts: IntegrationFacts) -> None:
    with transaction(engine) as session:
        lock_integration(session, facts.kombo_integration_id)  # before reading it
        record = find_by_kombo_id(session, facts.kombo_integration_id)
        if record is None or record.removed_at is not None:
            return
        record_integration(session, facts, known=record)
