"""The one place that decides how an integration record changes, whichever way the
news arrived: an activation token, a webhook, or a reconnect."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from kombo_portal.db.models import Integration, utc_now


@dataclass(frozen=True)
class IntegrationFacts:
    """What Kombo says about an integration. Fields left None are not known from
    this source (a webhook may not carry the tool's label, for instance)."""

    kombo_integration_id: str
    organisation_id: str
    category: str | None = None
    tool_id: str | None = None
    tool_label: str | None = None
    tool_logo_url: str | None = None
    state: str | None = None
    setup_status: str | None = None


def record_integration(
    session: Session,
    facts: IntegrationFacts,
    *,
    connected_by_user_id: str | None = None,
    now: datetime | None = None,
) -> Integration:
    """Create or update the organisation's record of this Kombo integration.

    Idempotent by Kombo integration id: the same facts twice leave one record as
    after the first. Facts that are None keep what is stored. A record of another
    organisation is never touched (raises IntegrationOwnedElsewhere).
    """
    now = now or utc_now()
    record = find_by_kombo_id(session, facts.kombo_integration_id)
    if record is None:
        record = Integration(
            kombo_integration_id=facts.kombo_integration_id,
            organisation_id=facts.organisation_id,
            category=facts.category or "HRIS",
            tool_id=facts.tool_id or "unknown",
            tool_label=facts.tool_label or facts.tool_id or "Unknown tool",
            tool_logo_url=facts.tool_logo_url,
            state=facts.state or "ACTIVE",
            setup_status=facts.setup_status or "COMPLETED",
            connected_by_user_id=connected_by_user_id,
            connected_at=now,
            updated_at=now,
        )
        session.add(record)
        session.flush()
        return record
    if record.organisation_id != facts.organisation_id:
        raise IntegrationOwnedElsewhere(facts.kombo_integration_id)
    for field in ("category", "tool_id", "tool_label", "tool_logo_url", "state", "setup_status"):
        value = getattr(facts, field)
        if value is not None:
            setattr(record, field, value)
    if record.connected_by_user_id is None and connected_by_user_id is not None:
        record.connected_by_user_id = connected_by_user_id
    record.updated_at = now
    session.add(record)
    session.flush()
    return record


class IntegrationOwnedElsewhere(Exception):
    """A Kombo integration id that is already recorded for another organisation."""


def find_by_kombo_id(session: Session, kombo_integration_id: str) -> Integration | None:
    return session.exec(
        select(Integration).where(Integration.kombo_integration_id == kombo_integration_id)
    ).first()


def current_integrations(session: Session, organisation_id: str) -> list[Integration]:
    """The organisation's integrations that are not removed, oldest first."""
    return list(
        session.exec(
            select(Integration)
            .where(Integration.organisation_id == organisation_id)
            .where(Integration.removed_at.is_(None))  # type: ignore[union-attr]
            .order_by(Integration.connected_at)
        )
    )


def has_live_integration(session: Session, organisation_id: str, category: str) -> bool:
    """Kombo does not deduplicate: a category with a live integration gets no second one."""
    return any(
        integration.category == category
        for integration in current_integrations(session, organisation_id)
    )
