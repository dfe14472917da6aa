"""Invitations (Kombo magic links for a colleague): which are open, and whether a new
integration came through one that was revoked. See use_cases.invitations."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from kombo_portal.db.columns import storable_text
from kombo_portal.db.models import MagicLink, User, as_utc, utc_now
from kombo_portal.problems import Problem
from kombo_portal.records.accounts import MAX_EMAIL_LENGTH, normalise_email


def email_problem(email: str) -> Problem | None:
    """Why `email` cannot be a colleague's address (None: it can). Cut short, it would
    name someone else, so a long one is refused, not shortened."""
    if len(email) > MAX_EMAIL_LENGTH:
        return Problem("problem.email_too_long", max=MAX_EMAIL_LENGTH)
    local, at, domain = email.rpartition("@")
    usable = storable_text(email, MAX_EMAIL_LENGTH) is not None and all(
        character.isprintable() and not character.isspace() for character in email
    )
    if not (usable and at and local and "." in domain.strip(".")):
        return Problem("problem.colleague_email")
    return None


def open_invitations(
    session: Session, organisation_id: str, now: datetime | None = None
) -> list[MagicLink]:
    """Invitations not revoked and not expired, newest first."""
    now = now or utc_now()
    links = session.exec(
        select(MagicLink)
        .where(MagicLink.organisation_id == organisation_id)
        .where(col(MagicLink.revoked_at).is_(None))
        .order_by(col(MagicLink.created_at).desc())
    ).all()
    return [link for link in links if as_utc(link.expires_at) > now]


def created_through_revoked_invitation(
    session: Session, organisation_id: str, category: str | None, creator_email: str | None
) -> bool:
    """Was this new integration made by a colleague whose only invitation was revoked?

    Only for colleagues without a portal account: an admin's own connects always count.
    """
    if not creator_email or not category:
        return False
    email = normalise_email(creator_email)
    if session.exec(select(User).where(User.email == email)).first() is not None:
        return False
    links = session.exec(
        select(MagicLink)
        .where(MagicLink.organisation_id == organisation_id)
        .where(MagicLink.category == category)
        .where(MagicLink.colleague_email == email)
    ).all()
    return bool(links) and all(link.revoked_at is not None for link in links)
