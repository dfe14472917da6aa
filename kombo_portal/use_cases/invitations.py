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

from datetime import timedelta

from sqlalchemy import Engine

from kombo_portal.db.models import MagicLink, is_record_id, utc_now
from kombo_portal.db.threads import in_database_thread
from kombo_portal.db.transaction import transaction
from kombo_portal.kombo import CreatedLink, KomboClient, KomboError, LinkType
from kombo_portal.problems import Problem, kombo_problem
from kombo_portal.records.accounts import normalise_email
from kombo_portal.records.attempts import record_finished, refusal_to_connect
from kombo_portal.records.invitations import email_problem
from kombo_portal.records.sessions import SignedInUser
from kombo_portal.use_cases.connect import ConnectOptions

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
    await in_database_thread(_check_invitation, engine, user, category, email, options)
    try:
        created = await kombo.create_connection_link(
            options.link_request(user, category, email=email, link_type=LinkType.MAGIC_LINK)
        )
    except KomboError as error:
        await in_database_thread(_record_failure, engine, user, category, error)
        raise kombo_problem(error) from None
    return await in_database_thread(_store_invitation, engine, user, category, email, created)


def _check_invitation(
    engine: Engine, user: SignedInUser, category: str, email: str, options: ConnectOptions
) -> None:
    """Raise Problem (recorded) if `user` may not invite `email` for `category`."""
    with transaction(engine) as session:
        refusal = refusal_to_connect(
            session, user, category, options.categories, not_admin="problem.admins_only_invite"
        )
        if refusal is None:
            refusal = email_problem(email)
        if refusal:
            record_finished(session, user, category, "invite", "refused", refusal.message)
    if refusal:
        raise refusal


def _record_failure(engine: Engine, user: SignedInUser, category: str, error: KomboError) -> None:
    with transaction(engine) as session:
        record_finished(session, user, category, "invite", "failed", repr(error), error.log_url)


def _store_invitation(
    engine: Engine, user: SignedInUser, category: str, email: str, created: CreatedLink
) -> MagicLink:
    now = utc_now()
    with transaction(engine) as session:
        # The colleague's system may need Kombo's addresses let through as well.
        record_finished(
            session, user, category, "invite", "done", None, static_ips=created.static_ips
        )
        link = MagicLink(
            organisation_id=user.organisation_id,
            category=category,
            colleague_email=email,
            url=created.link,
            created_by_user_id=user.user_id,
            created_at=now,
            expires_at=now + MAGIC_LINK_LIFETIME,
        )
        session.add(link)
    return link


async def revoke_invitation(engine: Engine, user: SignedInUser, link_id: str) -> MagicLink:
    """The invitation is no longer shown, and what is made through it is not attached."""
    return await in_database_thread(_revoke, engine, user, link_id)


def _revoke(engine: Engine, user: SignedInUser, link_id: str) -> MagicLink:
    with transaction(engine) as session:
        link = session.get(MagicLink, link_id) if is_record_id(link_id) else None
        refusal = None
        if not user.is_admin:
            refusal = Problem("problem.admins_only_revoke")
        elif link is None or link.organisation_id != user.organisation_id:
            refusal = Problem("problem.invitation_not_yours")
        category = link.category if link is not None and not refusal else "-"
        outcome = "refused" if refusal else "done"
        detail = refusal.message if refusal else None
        record_finished(session, user, category, "revoke", outcome, detail)
        if refusal or link is None:
            session.commit()
            raise refusal or Problem("problem.unknown_invitation")
        link.revoked_at = link.revoked_at or utc_now()
        session.add(link)
    return link
