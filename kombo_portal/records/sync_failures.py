"""Syncs that Kombo reported as not succeeded (`sync-finished` in another state than
SUCCEEDED): kept for the activity log, with Kombo's log for admins. Only a sync that
succeeded is news that data arrived (records.integrations.record_data_activity)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from kombo_portal.db.columns import column_length, storable_text
from kombo_portal.db.models import Integration, SyncFailure, utc_now
from kombo_portal.records.versions import bump_version

SUCCEEDED = "SUCCEEDED"
SYNC_STATE_LENGTH = column_length(SyncFailure.sync_state)
LOG_URL_LENGTH = column_length(SyncFailure.log_url)


def sync_state(value: object) -> str | None:
    """Kombo's `sync_state` (SUCCEEDED, FAILED, PARTIALLY_FAILED, ...: a string, and
    states Kombo adds are valid), or None if it is no text the column can hold."""
    return storable_text(value, SYNC_STATE_LENGTH)


def kombo_log_url(value: object) -> str | None:
    """A link to Kombo's log, shown to admins: only an https address is kept."""
    url = storable_text(value, LOG_URL_LENGTH)
    return url if url is not None and url.startswith("https://") else None


def record_sync_failure(
    session: Session,
    integration: Integration,
    state: str,
    log_url: str | None,
    now: datetime | None = None,
) -> SyncFailure:
    failure = SyncFailure(
        organisation_id=integration.organisation_id,
        kombo_integration_id=integration.kombo_integration_id,
        sync_state=state,
        log_url=log_url,
        reported_at=now or utc_now(),
    )
    session.add(failure)
    bump_version(session, integration.organisation_id)
    return failure


def recent_sync_failures(session: Session, organisation_id: str, limit: int) -> list[SyncFailure]:
    """The organisation's latest `limit` syncs that did not succeed, newest first."""
    return list(
        session.exec(
            select(SyncFailure)
            .where(SyncFailure.organisation_id == organisation_id)
            .order_by(col(SyncFailure.reported_at).desc())
            .limit(limit)
        )
    )
