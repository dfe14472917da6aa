"""What an organisation's Integrations page shows of its integrations, in one read."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from kombo_portal.db.models import FlowFailure, Integration, User
from kombo_portal.records.flow_failures import latest_flow_failures
from kombo_portal.records.integrations import current_integrations


@dataclass(frozen=True)
class Overview:
    """What an organisation's Integrations page shows."""

    integrations: list[Integration]
    people: dict[str, str]  # user id -> name
    failures: dict[str, FlowFailure]  # category -> latest failed flow not followed by success


def people_names(session: Session, organisation_id: str) -> dict[str, str]:
    """The organisation's users by id: their names."""
    return {
        user.id: user.name
        for user in session.exec(select(User).where(User.organisation_id == organisation_id))
    }


def overview(session: Session, organisation_id: str) -> Overview:
    return Overview(
        integrations=current_integrations(session, organisation_id),
        people=people_names(session, organisation_id),
        failures=latest_flow_failures(session, organisation_id),
    )
