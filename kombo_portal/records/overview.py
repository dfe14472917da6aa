"""What an organisation's Integrations page shows of its integrations, in one read."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, func
from sqlmodel import Session, col, select

from kombo_portal.db.models import ConnectAttempt, FlowFailure, Integration, IntegrationIssue, User
from kombo_portal.records.flow_failures import latest_flow_failures
from kombo_portal.records.integrations import current_integrations, not_removed
from kombo_portal.records.issues import open_issues


@dataclass(frozen=True)
class Overview:
    """What an organisation's Integrations page shows."""

    integrations: list[Integration]
    people: dict[str, str]  # user id -> name
    failures: dict[str, FlowFailure]  # category -> latest failed flow not followed by success
    # category -> the addresses Kombo answered the latest connection link with, if any
    static_ips: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # integration record id -> Kombo's open issues with it, oldest first
    issues: dict[str, list[IntegrationIssue]] = field(default_factory=dict)


def people_names(session: Session, organisation_id: str) -> dict[str, str]:
    """The organisation's users by id: their names."""
    return {
        user.id: user.name
        for user in session.exec(select(User).where(User.organisation_id == organisation_id))
    }


def overview(
    session: Session,
    organisation_id: str,
    every: list[Integration] | None = None,
    people: dict[str, str] | None = None,
) -> Overview:
    """`every` (the organisation's integrations, removed ones too) and `people`: if
    already read."""
    current = (
        not_removed(every) if every is not None else current_integrations(session, organisation_id)
    )
    return Overview(
        integrations=current,
        people=people if people is not None else people_names(session, organisation_id),
        failures=latest_flow_failures(session, organisation_id, current),
        static_ips=latest_static_ips(session, organisation_id),
        issues=open_issues(session, organisation_id),
    )


def latest_static_ips(session: Session, organisation_id: str) -> dict[str, tuple[str, ...]]:
    """Per category, the static IPs of its latest connect attempt that Kombo gave some.

    Only those attempts are read, not every attempt ever made: the page reads this on
    every change."""
    with_addresses = (
        ConnectAttempt.organisation_id == organisation_id,
        col(ConnectAttempt.static_ips).is_not(None),
    )
    newest = (
        select(ConnectAttempt.category, func.max(ConnectAttempt.started_at).label("started_at"))
        .where(*with_addresses)
        .group_by(col(ConnectAttempt.category))
        .subquery()
    )
    attempts = session.exec(
        select(ConnectAttempt.category, ConnectAttempt.static_ips)
        .join(
            newest,
            and_(
                col(ConnectAttempt.category) == newest.c.category,
                col(ConnectAttempt.started_at) == newest.c.started_at,
            ),
        )
        .where(*with_addresses)
        .order_by(col(ConnectAttempt.id))  # two started at the same instant: either
    )
    latest: dict[str, tuple[str, ...]] = {}
    for category, addresses in attempts:
        latest.setdefault(category, tuple((addresses or "").split()))
    return latest
