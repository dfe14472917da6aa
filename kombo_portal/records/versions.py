"""The organisation's version: a number bumped with every change to its integrations,
invitations or Kombo's news, so an open page notices a change made by any worker
with one cheap read. Once such a change is committed, whoever listens is told which
organisations changed, and the version each change committed as (state.live pushes
it to their open pages, and a page that already shows that version reads nothing)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from sqlalchemy import bindparam, event, update
from sqlmodel import Session, col, select

from kombo_portal.db.models import Organisation

logger = logging.getLogger(__name__)

# Called after each commit that changed organisations, with each one's version as
# committed, in the committing thread (often a database thread): a listener hands
# the news to its own loop and returns.
ChangeListener = Callable[[Mapping[str, int]], None]
_listeners: list[ChangeListener] = []


def listen_for_changes(listener: ChangeListener) -> Callable[[], None]:
    """Tell `listener` of every committed change; returns what stops it."""
    _listeners.append(listener)
    return lambda: _listeners.remove(listener)


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
    if changed:
        session.flush()  # what the transaction added goes first: the UPDATE stays last
    bumped: dict[str, int] = {}
    for organisation_id in sorted(changed):  # one order: no deadlocks between two
        # The new version comes back with the UPDATE (no second read): an open page
        # that shows it already has nothing to read again (state.live). A Core
        # statement: an Organisation loaded in this session keeps its old `version`
        # in memory, so whoever needs the version reads the column (organisation_version).
        version = (
            session.connection()
            .execute(_BUMP_VERSION, {"organisation": organisation_id})
            .scalar_one_or_none()
        )
        if version is not None:  # None: no such organisation, so no page shows it
            bumped[organisation_id] = version
    if bumped:
        session.info["bumped_organisations"] = bumped


# Built once, the organisation bound per call: building it took longer than running
# it, on every commit that changed anything.
_BUMP_VERSION = (
    update(Organisation)
    .where(col(Organisation.id) == bindparam("organisation"))
    .values(version=Organisation.version + 1)
    .returning(col(Organisation.version))
)


@event.listens_for(Session, "after_commit")
def _announce_committed_changes(session: Session) -> None:
    changed = session.info.pop("bumped_organisations", None)
    if not changed:
        return
    for listener in list(_listeners):
        try:
            listener(changed)
        except Exception:
            # The change is committed whatever a listener does: log, never undo.
            logger.exception("A listener failed to take the news of a change")


@event.listens_for(Session, "after_rollback")
def _forget_transaction_notes(session: Session) -> None:
    # A rolled-back change changed nothing: nobody is told of it.
    session.info.pop("changed_organisations", None)
    session.info.pop("bumped_organisations", None)
