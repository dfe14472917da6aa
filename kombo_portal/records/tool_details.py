"""Integrations still waiting for Kombo's details of their tool (label, logo), and the
claim on one fetch of them.

A record made from news that did not carry the details (a webhook, an activation
token) is due at once; records.integrations clears the due time when details arrive
or the integration is removed. A process claims a due record by moving its due time
to the end of a lease in one conditional update, so several processes sharing the
database fetch each record once; a fetch that fails moves it to the next try.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, func, update
from sqlmodel import Session, col, select

from kombo_portal.db.models import Integration, as_utc


@dataclass(frozen=True)
class DueDetails:
    kombo_integration_id: str
    organisation_id: str
    due_at: datetime  # as stored: the claim matches on it
    failures: int  # failed fetches in a row so far


def due_details(session: Session, now: datetime, limit: int) -> list[DueDetails]:
    """The records whose details are due by `now`, longest waiting first."""
    rows = session.exec(
        select(
            Integration.kombo_integration_id,
            Integration.organisation_id,
            Integration.details_due_at,
            Integration.details_failures,
        )
        .where(col(Integration.details_due_at) <= now)
        .where(col(Integration.removed_at).is_(None))
        .order_by(col(Integration.details_due_at))
        .limit(limit)
    ).all()
    return [
        DueDetails(kombo_id, organisation_id, due_at, failures)
        for kombo_id, organisation_id, due_at, failures in rows
        if due_at is not None
    ]


def claim_details(session: Session, due: DueDetails, until: datetime) -> bool:
    """Take this fetch until `until`; False if another process took it first or the
    record changed (details arrived, or it was removed) since it was read."""
    return _moved(session, due.kombo_integration_id, due.due_at, details_due_at=until)


def details_failed(
    session: Session, kombo_integration_id: str, claimed_until: datetime, next_due: datetime
) -> bool:
    """The claimed fetch failed: try again at `next_due`. False (nothing changed) if the
    record no longer waits under this claim."""
    return _moved(
        session,
        kombo_integration_id,
        claimed_until,
        details_due_at=next_due,
        details_failures=Integration.details_failures + 1,
    )


def stop_asking(session: Session, kombo_integration_id: str, claimed_until: datetime) -> bool:
    """Kombo does not know the integration: asking again cannot help (the card keeps
    the tool id; its deletion webhook removes the record)."""
    return _moved(session, kombo_integration_id, claimed_until, details_due_at=None)


def next_details_due(session: Session) -> datetime | None:
    """The earliest due time of a record still waiting, if any."""
    earliest = session.exec(
        select(func.min(Integration.details_due_at)).where(col(Integration.removed_at).is_(None))
    ).one()
    return as_utc(earliest) if earliest is not None else None


def _moved(session: Session, kombo_integration_id: str, expected: datetime, **values: Any) -> bool:
    # An UPDATE's result is a CursorResult: it has the row count.
    result = cast(
        "CursorResult[Any]",
        session.execute(
            update(Integration)
            .where(col(Integration.kombo_integration_id) == kombo_integration_id)
            .where(col(Integration.details_due_at) == expected)
            .where(col(Integration.removed_at).is_(None))
            .values(**values)
        ),
    )
    return result.rowcount == 1
