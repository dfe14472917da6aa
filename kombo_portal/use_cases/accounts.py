"""Accounts: what a signed-in person changes about their own, and the demo accounts
each process makes sure of as it starts."""

from __future__ import annotations

import logging

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from kombo_portal.db.threads import in_database_thread
from kombo_portal.db.transaction import transaction
from kombo_portal.records.accounts import (
    AccountError,
    ensure_demo_accounts,
    link_demo_accounts,
    lock_demo_accounts,
    set_language,
)

logger = logging.getLogger(__name__)


async def choose_language(engine: Engine, user_id: str, language: str) -> None:
    """The user's language from now on, in every browser (and in Kombo's flow)."""

    def store() -> None:
        with transaction(engine) as session:
            set_language(session, user_id, language)

    await in_database_thread(store)


async def prepare_demo_accounts(
    engine: Engine, *, sandbox_mode: bool, demo_issuer: str | None = None
) -> None:
    """The demo accounts exist in sandbox mode, and are locked otherwise (their password
    is public). With `demo_issuer` (the sandbox's published hand-off), they are linked to
    that stand-in host product. Every worker of every instance runs this as it starts,
    often at once."""
    await in_database_thread(_prepare_demo_accounts, engine, sandbox_mode, demo_issuer)


def _prepare_demo_accounts(engine: Engine, sandbox_mode: bool, demo_issuer: str | None) -> None:
    if sandbox_mode:
        try:
            with transaction(engine) as session:
                ensure_demo_accounts(session)
        except (IntegrityError, AccountError):
            # Another worker created them first (and committed): nothing left to do.
            logger.debug("The demo accounts were created by another process")
        if demo_issuer is not None:
            _link_demo_accounts(engine, demo_issuer)
        return
    with transaction(engine) as session:
        if locked := lock_demo_accounts(session):
            logger.warning(
                "Locked %d demo account(s): their public password does not work with a "
                "real Kombo key",
                locked,
            )


def _link_demo_accounts(engine: Engine, issuer: str) -> None:
    # Every worker writes the same keys: whichever commits last changes nothing.
    try:
        with transaction(engine) as session:
            link_demo_accounts(session, issuer)
    except IntegrityError:
        # A user made by an earlier hand-off holds the demo keys: that one stays, and
        # the demo button is refused (the demo admin's email is the password account's).
        logger.warning(
            "The demo accounts were not linked to the sandbox's hand-off (its keys belong "
            "to another user): the demo hand-off button will be refused"
        )
