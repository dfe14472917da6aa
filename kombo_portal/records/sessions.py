"""Server-side sign-in sessions. The browser holds a random token; the database
holds only its keyed hash (HMAC with PORTAL_SECRET_KEY), the user and the expiry,
so a leaked database row cannot be replayed, and signing out ends the session for
every tab. Changing PORTAL_SECRET_KEY signs everyone out."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session, col, select

from kombo_portal.db.models import Organisation, SessionGrant, User, UserSession, as_utc, utc_now
from kombo_portal.kombo.models import Language

DEFAULT_SESSION_LIFETIME = timedelta(hours=12)


@dataclass(frozen=True)
class SignedInUser:
    """Who is behind a session: what pages and handlers need, nothing secret."""

    user_id: str
    email: str
    name: str
    role: str
    language: str | None  # None: the user never chose one (pages follow the browser)
    organisation_id: str
    organisation_name: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def kombo_language(self) -> Language:
        """The language Kombo's flow speaks to this user."""
        return Language(self.language) if self.language in set(Language) else Language.EN


def _token_hash(token: str, secret_key: str) -> str:
    return hmac.new(secret_key.encode(), token.encode(), hashlib.sha256).hexdigest()


def start_session(
    session: Session,
    user: User,
    secret_key: str,
    lifetime: timedelta = DEFAULT_SESSION_LIFETIME,
    now: datetime | None = None,
) -> str:
    """A new session for `user`; returns the token for the browser (always a fresh one)."""
    now = now or utc_now()
    token = secrets.token_urlsafe(32)
    session.add(
        UserSession(
            id=_token_hash(token, secret_key),
            user_id=user.id,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    # Expired sessions of anyone are of no use: drop them while we are here.
    session.exec(delete(UserSession).where(col(UserSession.expires_at) < now))
    return token


def resolve_session(
    session: Session, token: str, secret_key: str, now: datetime | None = None
) -> SignedInUser | None:
    """The signed-in user behind `token`, or None if it is unknown, expired or its user gone."""
    if not token:
        return None
    row = session.exec(
        select(UserSession, User, Organisation)
        .join(User, col(User.id) == UserSession.user_id)
        .join(Organisation, col(Organisation.id) == User.organisation_id)
        .where(UserSession.id == _token_hash(token, secret_key))
    ).first()
    if row is None:
        return None
    user_session, user, organisation = row
    if as_utc(user_session.expires_at) <= (now or utc_now()):
        return None
    return SignedInUser(
        user_id=user.id,
        email=user.email,
        name=user.name,
        role=user.role,
        language=user.language,
        organisation_id=organisation.id,
        organisation_name=organisation.name,
    )


def end_session(session: Session, token: str, secret_key: str) -> None:
    if token:
        session.exec(
            delete(UserSession).where(col(UserSession.id) == _token_hash(token, secret_key))
        )


GRANT_LIFETIME = timedelta(minutes=1)


@dataclass(frozen=True)
class RedeemedGrant:
    session_token: str
    page_origin: str
    next_path: str


def grant_session(
    session: Session,
    user: User,
    secret_key: str,
    *,
    nonce: str,
    page_origin: str,
    next_path: str,
    now: datetime | None = None,
) -> str:
    """A one-time token the browser takes to the cookie route within a minute, redeemable
    only together with `nonce` (which that browser holds in a cookie)."""
    now = now or utc_now()
    token = secrets.token_urlsafe(32)
    session.add(
        SessionGrant(
            id=_token_hash(token, secret_key),
            user_id=user.id,
            nonce_hash=_token_hash(nonce, secret_key),
            page_origin=page_origin[:500],
            next_path=next_path[:2000],
            expires_at=now + GRANT_LIFETIME,
        )
    )
    session.exec(delete(SessionGrant).where(col(SessionGrant.expires_at) < now))
    return token


def redeem_grant(
    session: Session,
    grant_token: str,
    nonce: str,
    secret_key: str,
    lifetime: timedelta = DEFAULT_SESSION_LIFETIME,
    now: datetime | None = None,
) -> RedeemedGrant | None:
    """Exchange a grant for a new session, once; None if unknown, used, expired, or
    brought by another browser than the one that signed in (wrong nonce)."""
    now = now or utc_now()
    if not grant_token:
        return None
    # Locked: a second request with the same grant (a double load) waits for this
    # transaction, then finds it gone, instead of starting a second session.
    grant = session.get(SessionGrant, _token_hash(grant_token, secret_key), with_for_update=True)
    if grant is None:
        return None
    session.delete(grant)
    user = session.get(User, grant.user_id)
    same_browser = hmac.compare_digest(grant.nonce_hash, _token_hash(nonce, secret_key))
    if as_utc(grant.expires_at) <= now or user is None or not nonce or not same_browser:
        return None
    return RedeemedGrant(
        session_token=start_session(session, user, secret_key, lifetime, now),
        page_origin=grant.page_origin,
        next_path=grant.next_path,
    )
