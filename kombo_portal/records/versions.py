"""The organisation's version: a number bumped with every change to its integrations,
invitations or Kombo's news, so an open page notices a change made by any worker
with one cheap read."""

from __future__ import annotations

from sqlalchemy import event, update
from sqlmodel import Session, select

from kombo_portal.db.models import Organisation


def organisation_version(session: Session, organisation_id: str) -> int:
    version = session.exec(
        select(Organisation.version).where(Organisation.id == organisation_id)
    ).first()
    return version or 0


def bump_version(session: Session, organisation_id: str) -> None:
    """Open pages of the organisation reload when its version changes: bumped once,
    at commit (below)."""
    session.info.setdefault("changed_organisations", set()).add(organisation_id)


@event.listens_for(Session, "before_commit")
def _bump_versions_at_commit(session: Session) -> None:
    # The UPDATE locks the organisation's row until the commit. Done last, it holds
    # the lock for one round trip instead of for the rest of the transaction, so
    # concurrent webhooks for one organisation's integrations queue less.
    changed = session.info.pop("changed_organisations", set())
    for organisation_id in sorted(changed):  # one order: no deadlocks between two
        session.exec(
            update(Organisation)
            .where(Organisation.id == organisation_id)
            .values(version=Organisation.version + 1)
        )


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_transaction_notes(session: Session) -> None:
    # Bumped at commit, and a rolled-back change changed nothing.
    session.info.pop("changed_organisations", None)
