"""Failed Connect flows that Kombo reported (`connection-flow-failed`): a card says the
last attempt failed until a connection of its category succeeds."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col, select

from kombo_portal.db.models import FlowFailure, Integration, as_utc, utc_now
from kombo_portal.records.integrations import current_integrations
from kombo_portal.records.versions import bump_version


def record_flow_failure(
    session: Session,
    organisation_id: str,
    *,
    category: str,
    tool_id: str,
    log_url: str | None,
    now: datetime | None = None,
) -> FlowFailure:
    failure = FlowFailure(
        organisation_id=organisation_id,
        category=category,
        tool_id=tool_id,
        log_url=log_url,
        failed_at=now or utc_now(),
    )
    session.add(failure)
    bump_version(session, organisation_id)
    return failure


def clear_flow_failures(session: Session, organisation_id: str, category: str) -> None:
    """A connection of the category succeeded: earlier failed attempts are no news."""
    session.exec(
        delete(FlowFailure)
        .where(col(FlowFailure.organisation_id) == organisation_id)
        .where(col(FlowFailure.category) == category)
    )


def latest_flow_failures(
    session: Session, organisation_id: str, current: list[Integration] | None = None
) -> dict[str, FlowFailure]:
    """Per category, the latest failed flow that no connection succeeded after.
    `current`: the organisation's integrations not removed, if already read."""
    failures: dict[str, FlowFailure] = {}
    for failure in session.exec(
        select(FlowFailure)
        .where(FlowFailure.organisation_id == organisation_id)
        .order_by(col(FlowFailure.failed_at))
    ):
        failures[failure.category] = failure
    if current is None:
        current = current_integrations(session, organisation_id)
    for integration in current:
        failure = failures.get(integration.category)
        if failure and as_utc(failure.failed_at) <= as_utc(integration.connected_at):
            del failures[integration.category]
    return failures
