"""Users and organisations that come from the operator's own product through a signed
hand-off (see use_cases.handoff): found by the product's keys (issuer and subject, issuer
and organisation id), never by email or name alone, and brought up to date from the
newest token on every visit."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from kombo_portal.db.locks import hold_lock
from kombo_portal.db.models import Organisation, Role, UsedHandoff, User, UserSession, utc_now
from kombo_portal.records.accounts import normalise_email
from kombo_portal.records.sessions import start_session


class HandoffConflict(ValueError):
    """The token's email belongs to another user of the portal; the message is for the operator."""


@dataclass(frozen=True)
class HandoffIdentity:
    """The checked claims of one token: who, in which organisation, with which role."""

    issuer: str
    subject: str
    email: str
    name: str
    organisation_id: str
    organisation_name: str
    role: Role
    language: str | None
    token_id: str
    expires_at: datetime


MAX_NAME_LENGTH = 200


def _used_key(issuer: str, token_id: str) -> str:
    return hashlib.sha256(f"{issuer}\n{token_id}".encode()).hexdigest()


def spend_token_id(
    session: Session, identity: HandoffIdentity, now: datetime | None = None
) -> bool:
    """Remember the token's `jti` until it expires; False if it was used already."""
    return spend_once(session, identity.issuer, identity.token_id, identity.expires_at, now)


def spend_once(
    session: Session,
    issuer: str,
    token_id: str,
    expires_at: datetime,
    now: datetime | None = None,
) -> bool:
    """Remember `token_id` of `issuer` until `expires_at`; False if it was seen already
    (a hand-off's `jti`, an OpenID Connect sign-in's state)."""
    now = now or utc_now()
    key = _used_key(issuer, token_id)
    # Two loads of the same link at once: the second waits here, then finds the first's row.
    hold_lock(session, f"handoff:{key}")
    session.exec(delete(UsedHandoff).where(col(UsedHandoff.expires_at) < now))
    if session.get(UsedHandoff, key) is not None:
        return False
    session.add(UsedHandoff(id=key, expires_at=expires_at))
    return True


def _free_name(session: Session, wanted: str, external_id: str, own_id: str | None) -> str:
    """`wanted`, unless another organisation has that name (any case): then with the
    product's organisation id (and a number, should that be taken too), so two customers
    named alike both get in. Each name is checked under the lock organisations are
    created under, so two first visits at once cannot both take one."""
    label = external_id[:60]
    for attempt in range(1, 100):
        tail = "" if attempt == 1 else f" ({label})" if attempt == 2 else f" ({label} {attempt})"
        name = wanted[: MAX_NAME_LENGTH - len(tail)] + tail
        hold_lock(session, f"organisation-name:{name.lower()}")
        taken = session.exec(
            select(Organisation.id).where(func.lower(Organisation.name) == name.lower())
        ).first()
        if taken is None or taken == own_id:
            return name
    raise HandoffConflict(f"no free name for the organisation {wanted!r}")


def _organisation(session: Session, identity: HandoffIdentity) -> Organisation:
    hold_lock(session, f"handoff-organisation:{identity.issuer}:{identity.organisation_id}")
    organisation = session.exec(
        select(Organisation)
        .where(Organisation.external_issuer == identity.issuer)
        .where(Organisation.external_id == identity.organisation_id)
    ).first()
    wanted = " ".join(identity.organisation_name.split())[:MAX_NAME_LENGTH]
    if organisation is None:
        organisation = Organisation(
            name=_free_name(session, wanted, identity.organisation_id, None),
            external_issuer=identity.issuer,
            external_id=identity.organisation_id,
        )
    elif organisation.name != wanted:
        organisation.name = _free_name(session, wanted, identity.organisation_id, organisation.id)
    session.add(organisation)
    session.flush()
    return organisation


def provision_user(session: Session, identity: HandoffIdentity) -> User:
    """The portal user for this identity: made on the first visit, updated on later ones
    (name, email, organisation name, role). Raises HandoffConflict when the email is
    another user's."""
    organisation = _organisation(session, identity)
    hold_lock(session, f"handoff-user:{identity.issuer}:{identity.subject}")
    user = session.exec(
        select(User)
        .where(User.external_issuer == identity.issuer)
        .where(User.external_subject == identity.subject)
    ).first()
    email = normalise_email(identity.email)
    # Two first visits with one email at once: the second waits, then finds the first.
    hold_lock(session, f"user-email:{email}")
    holder = session.exec(select(User).where(User.email == email)).first()
    if holder is not None and (user is None or holder.id != user.id):
        # Emails are unique in the portal; signing in as whoever has it would hand one
        # person's account to another.
        raise HandoffConflict(f"the email {email} belongs to another portal user")
    name = " ".join(identity.name.split())[:200] or email.split("@")[0]
    if user is None:
        user = User(
            organisation_id=organisation.id,
            email=email,
            name=name,
            password_hash="",
            role=identity.role.value,
            language=identity.language,
            external_issuer=identity.issuer,
            external_subject=identity.subject,
        )
    else:
        if user.organisation_id != organisation.id:
            # Moved to another organisation: a tab still open for the old one must not
            # go on acting there (or, as the new one, on the old one's pages).
            session.exec(delete(UserSession).where(col(UserSession.user_id) == user.id))
        user.organisation_id = organisation.id
        user.email = email
        user.name = name
        user.role = identity.role.value
        # The token's locale only starts a new user off: a language chosen in the
        # portal since then stays.
    session.add(user)
    session.flush()
    return user


@dataclass(frozen=True)
class HandedOff:
    """A session started for a user the host product vouched for."""

    session_token: str
    email: str
    role: str


def sign_in_identity(
    session: Session, identity: HandoffIdentity, secret_key: str, lifetime: timedelta
) -> HandedOff:
    """Make or update the identity's user and start their session, in the caller's
    transaction (a hand-off's and an OpenID sign-in's last step). Raises HandoffConflict."""
    user = provision_user(session, identity)
    token = start_session(session, user, secret_key, lifetime)
    return HandedOff(session_token=token, email=user.email, role=user.role)
