"""Named locks held until the transaction ends, for check-then-write steps.

PostgreSQL runs transactions side by side (READ COMMITTED): two that check "is there
one already?" before either has written both see "no". A lock on the name of what is
checked makes them take turns. SQLite needs none: one transaction writes at a time
(and a process's writers queue, see db.transaction).
"""

from __future__ import annotations

from sqlalchemy import event, text
from sqlmodel import Session

_HELD = "held_locks"


def hold_lock(session: Session, name: str) -> None:
    """Take the lock `name` (PostgreSQL: an advisory lock on its hash) until the
    transaction ends; taken once per transaction, so callers may ask again freely."""
    if session.get_bind().dialect.name != "postgresql":
        return
    held = session.info.setdefault(_HELD, set())
    if name in held:
        return
    session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": name})
    held.add(name)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_held_locks(session: Session) -> None:
    # They end with the transaction.
    session.info.pop(_HELD, None)
