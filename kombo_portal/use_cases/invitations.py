"""Inviting a colleague: for customers whose HR or recruiting system credentials
are held by someone who never signs in to the portal.

An admin creates a Kombo MAGIC_LINK for a category and the colleague's email and
sends it on. When the colleague completes it, Kombo's `integration-created`
webhook (there is no activation token on this path) attaches the integration to
the organisation. Kombo has no way to withdraw a magic link, so revoking is the
portal's: the link is no longer shown, and an integration the colleague creates
through it afterwards is not attached.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, select

from kombo_portal.db.models import (
    ConnectAttempt,
    MagicLink,
    User,
    as_utc,
    is_record_id,
    utc_now,
)
from kombo_portal.db.threads import in_database_thread
from kombo_portal.db.transaction import transaction
from kombo_portal.kombo import CreateLinkRequest, KomboClient, KomboError, LinkType
from kombo_portal.services.accounts import MAX_EMAIL_LENGTH, normalise_email
from kombo_portal.services.connect import (
    ConnectOptions,
    ConnectProblem,
    kombo_problem,
    refusal_to_connect,
)
from kombo_portal.services.integrations import clean_text
from kombo_portal.services.sessions import SignedInUser

MAGIC_LINK_LIFETIME = timedelta(days=365)


async def invite_colleague(
    engine: Engine,
    kombo: KomboClient,
    user: SignedInUser,
    category: str,
    colleague_email: str,
    options: ConnectOptions,
) -> MagicLink:
    email = normalise_email(colleague_email)
    # Database work in threads: callers are on the web server's event loop.
    await in_database_thread(_check_invitation, engine, user, category, email, options)
    try:
        url = await kombo.create_link(
            CreateLinkRequest(
                end_user_email=email,
                end_user_organization_name=user.organisation_name,
                end_user_origin_id=user.organisation_id,
                integration_category=category,
                integration_tool=options.tools.get(category),
                language=user.kombo_language,
                scope_config_id=options.scope_config_id,
                link_type=LinkType.MAGIC_LINK,
            )
        )
    except KomboError as error:
        await in_database_thread(_record_failure, engine, user, category, error)
        raise kombo_problem(error) from None
    return await in_database_thread(_store_invitation, engine, user, category, email, url)


def _check_invitation(
    engine: Engine, user: SignedInUser, category: str, email: str, options: ConnectOptions
) -> None:
    """Raise ConnectProblem (recorded) if `user` may not invite `email` for `category`."""
    with transaction(engine) as session:
        refusal = refusal_to_connect(
            session, user, category, options, not_admin="problem.admins_only_invite"
        )
        if refusal is None:
            refusal = email_problem(email)
        if refusal:
            _audit(session, user, category, "invite", "refused", refusal.message)
    if refusal:
        raise refusal


def _record_failure(engine: Engine, user: SignedInUser, category: str, error: KomboError) -> None:
    with transaction(engine) as session:
        _audit(session, user, category, "invite", "failed", repr(error), error.log_url)


def _store_invitation(
    engine: Engine, user: SignedInUser, category: str, email: str, url: str
) -> MagicLink:
    now = utc_now()
    with transaction(engine) as session:
        _audit(session, user, category, "invite", "done", None)
        link = MagicLink(
            organisation_id=user.organisation_id,
            category=category,
            colleague_email=email,
            url=url,
            created_by_user_id=user.user_id,
            created_at=now,
            expires_at=now + MAGIC_LINK_LIFETIME,
        )
        session.add(link)
    return link


def revoke_invitation(engine: Engine, user: SignedInUser, link_id: str) -> MagicLink:
    with transaction(engine) as session:
        link = session.get(MagicLink, link_id) if is_record_id(link_id) else None
        refusal = None
        if not user.is_admin:
            refusal = ConnectProblem("problem.admins_only_revoke")
        elif link is None or link.organisation_id != user.organisation_id:
            refusal = ConnectProblem("problem.invitation_not_yours")
        category = link.category if link is not None and not refusal else "-"
        outcome = "refused" if refusal else "done"
        _audit(session, user, category, "revoke", outcome, refusal.message if refusal else None)
        if refusal or link is None:
            session.commit()
            raise refusal or ConnectProblem("problem.unknown_invitation")
        link.revoked_at = link.revoked_at or utc_now()
        session.add(link)
    return link


def email_problem(email: str) -> ConnectProblem | None:
    """Why `email` cannot be a colleague's address (None: it can). Cut short, it would
    name someone else, so a long one is refused, not shortened."""
    if len(email) > MAX_EMAIL_LENGTH:
        return ConnectProblem("problem.email_too_long", max=MAX_EMAIL_LENGTH)
    local, at, domain = email.rpartition("@")
    usable = clean_text(email, MAX_EMAIL_LENGTH) is not None and all(
        character.isprintable() and not character.isspace() for character in email
    )
    if not (usable and at and local and "." in domain.strip(".")):
        return ConnectProblem("problem.colleague_email")
    return None


def open_invitations(session: Session, organisation_id: str, now: datetime | None = None):
    """Invitations not revoked and not expired, newest first."""
    now = now or utc_now()
    links = session.exec(
        select(MagicLink)
        .where(MagicLink.organisation_id == organisation_id)
        .where(MagicLink.revoked_at.is_(None))  # type: ignore[union-attr]
        .order_by(MagicLink.created_at.desc())  # type: ignore[attr-defined]
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


def _audit(
    session: Session,
    user: SignedInUser,
    category: str,
    action: str,
    outcome: str,
    detail: str | None,
    log_url: str | None = None,
) -> None:
    now = utc_now()
    session.add(
        ConnectAttempt(
            organisation_id=user.organisation_id,
            user_id=user.user_id,
            category=category,
            action=action,
            outcome=outcome,
            detail=detail[:1000] if detail else None,
            log_url=log_url,
            started_at=now,
            finished_at=now,
        )
    )
