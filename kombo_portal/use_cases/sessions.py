"""Signing in and out, and who is behind a browser's session cookie.

The transactions around the session rules of records.sessions, each in a database
thread: password hashing takes a while on purpose, and one event loop serves every
open page of the process.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine

from kombo_portal.db.threads import in_database_thread
from kombo_portal.db.transaction import reading, transaction
from kombo_portal.records.accounts import SignInRefused, authenticate
from kombo_portal.records.sessions import (
    RedeemedGrant,
    SignedInUser,
    end_session,
    grant_session,
    redeem_grant,
    resolve_session,
)


async def sign_in(
    engine: Engine,
    secret_key: str,
    email: str,
    password: str,
    *,
    nonce: str,
    page_origin: str,
    next_path: str,
) -> str:
    """Check the credentials; a one-time grant for the cookie route. Raises SignInRefused.

    The route starts a new session: a session id planted before sign-in is worthless.
    """

    def check() -> str:
        with transaction(engine) as session:
            try:
                user = authenticate(session, email, password)
            except SignInRefused:
                session.commit()  # the failed attempt counts
                raise
            return grant_session(
                session,
                user,
                secret_key,
                nonce=nonce,
                page_origin=page_origin,
                next_path=next_path,
            )

    return await in_database_thread(check)


async def signed_in_user(engine: Engine, secret_key: str, token: str) -> SignedInUser | None:
    """Who holds the session `token`, or None (unknown, expired, user gone)."""

    def read() -> SignedInUser | None:
        with reading(engine) as session:
            return resolve_session(session, token, secret_key)

    return await in_database_thread(read)


async def take_session(
    engine: Engine, secret_key: str, grant: str, nonce: str, lifetime: timedelta
) -> RedeemedGrant | None:
    """Exchange a sign-in's grant for a new session, once (see records.sessions)."""

    def redeem() -> RedeemedGrant | None:
        with transaction(engine) as session:
            return redeem_grant(session, grant, nonce, secret_key, lifetime=lifetime)

    return await in_database_thread(redeem)


async def sign_out(engine: Engine, secret_key: str, token: str) -> None:
    """End the session everywhere: every tab holding it is signed out."""

    def end() -> None:
        with transaction(engine) as session:
            end_session(session, token, secret_key)

    await in_database_thread(end)
