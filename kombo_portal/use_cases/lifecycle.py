"""After connecting: reconnect, finish setup, enable or disable, disconnect.

Every action is for a signed-in admin of the organisation that owns the
integration; anything else is refused and recorded. Reconnect and finish setup
open a Kombo link in the same Connect component and end in
`use_cases.connect.finish_connect`. Database work runs in a thread: callers are on
the web server's event loop.
"""

from __future__ import annotations

import logging
from enum import StrEnum

from sqlalchemy import Engine
from sqlmodel import Session

from kombo_portal.db.models import ConnectAttempt, Integration, is_record_id
from kombo_portal.db.threads import in_database_thread
from kombo_portal.db.transaction import transaction
from kombo_portal.kombo import KomboClient, KomboError
from kombo_portal.problems import Problem, kombo_problem
from kombo_portal.records.attempts import finish_attempt
from kombo_portal.records.integrations import change_state, mark_removed
from kombo_portal.records.sessions import SignedInUser
from kombo_portal.use_cases.connect import (
    ConnectOptions,
    ConnectStart,
    close_attempt,
)

logger = logging.getLogger(__name__)

NOT_YOURS = "problem.not_yours"  # a message key (kombo_portal.i18n)


class Repair(StrEnum):
    """What a repair link does to an integration, in place (also its audit row's action)."""

    RECONNECT = "reconnect"  # new credentials, same integration
    # Kombo's setup steps (employee filter, field mapping): to finish an incomplete
    # setup, or to change the choices of a completed one.
    SETUP = "setup"


async def start_repair(
    engine: Engine,
    kombo: KomboClient,
    user: SignedInUser,
    integration_id: str,
    repair: Repair,
    options: ConnectOptions,
) -> ConnectStart:
    """A link that repairs the integration in place (see Repair)."""
    if repair not in set(Repair):
        raise Problem("problem.unknown_action")
    action = Repair(repair)
    attempt_id, kombo_integration_id = await in_database_thread(
        _begin, engine, user, integration_id, action.value, options
    )
    language = user.kombo_language
    try:
        if action is Repair.RECONNECT:
            # Kombo's way to move an integration to a new scope config: it takes
            # effect once the customer has entered credentials that allow it.
            link = await kombo.create_relink_link(
                kombo_integration_id, language=language, scope_config_id=options.scope_config_id
            )
        else:
            link = await kombo.create_setup_link(kombo_integration_id, language=language)
    except KomboError as error:
        await close_attempt(engine, attempt_id, "link_failed", repr(error), log_url=error.log_url)
        raise kombo_problem(error) from None
    return ConnectStart(attempt_id=attempt_id, link=link)


async def disconnect(
    engine: Engine, kombo: KomboClient, user: SignedInUser, integration_id: str
) -> Integration:
    """Delete the integration at Kombo (irreversible) and mark the record removed.

    Kombo answering "not found" means it is gone already: that counts as done.
    """
    attempt_id, kombo_integration_id = await in_database_thread(
        _begin, engine, user, integration_id, "disconnect"
    )
    try:
        await kombo.delete_integration(kombo_integration_id)
    except KomboError as error:
        if not error.is_not_found:
            await close_attempt(engine, attempt_id, "failed", repr(error), log_url=error.log_url)
            raise Problem("problem.disconnect_failed", log_url=error.log_url) from None
    record = await in_database_thread(_mark_disconnected, engine, kombo_integration_id, attempt_id)
    if record is None:  # deleted from the portal meanwhile
        raise Problem(NOT_YOURS)
    return record


async def set_enabled(
    engine: Engine, kombo: KomboClient, user: SignedInUser, integration_id: str, enabled: bool
) -> Integration:
    """Kombo's `enabled`: a disabled integration is INACTIVE and stops syncing."""
    action = "enable" if enabled else "disable"
    attempt_id, kombo_integration_id = await in_database_thread(
        _begin, engine, user, integration_id, action
    )
    try:
        await kombo.set_enabled(kombo_integration_id, enabled)
    except KomboError as error:
        await close_attempt(engine, attempt_id, "failed", repr(error), log_url=error.log_url)
        raise kombo_problem(error) from None
    record = await in_database_thread(
        _record_enabled, engine, kombo_integration_id, attempt_id, enabled
    )
    if record is None:
        raise Problem(NOT_YOURS)
    return record


def _mark_disconnected(
    engine: Engine, kombo_integration_id: str, attempt_id: str
) -> Integration | None:
    with transaction(engine) as session:
        record = mark_removed(session, kombo_integration_id)
        _done(session, attempt_id)
    return record


def _record_enabled(
    engine: Engine, kombo_integration_id: str, attempt_id: str, enabled: bool
) -> Integration | None:
    with transaction(engine) as session:
        record = change_state(
            session,
            kombo_integration_id,
            state="ACTIVE" if enabled else "INACTIVE",
            setup_status=None,
            qa_status=None,
        )
        _done(session, attempt_id)
    return record


def _begin(
    engine: Engine,
    user: SignedInUser,
    integration_id: str,
    action: str,
    options: ConnectOptions | None = None,
) -> tuple[str, str]:
    """Check who may do this to which integration, and open the audit row.

    Returns (attempt id, Kombo integration id); raises Problem (recorded) if refused.
    """
    with transaction(engine) as session:
        found = session.get(Integration, integration_id) if is_record_id(integration_id) else None
        # Another organisation's integration is as good as none.
        record = (
            found if found is not None and found.organisation_id == user.organisation_id else None
        )
        refusal = None
        if not user.is_admin:
            refusal = Problem("problem.admins_only_change")
        elif record is None or record.removed_at is not None:
            refusal = Problem(NOT_YOURS)
        elif action == "setup" and not _has_setup_to_do(record, options):
            refusal = Problem("problem.no_setup_left")
        attempt = ConnectAttempt(
            organisation_id=user.organisation_id,
            user_id=user.user_id,
            category=record.category if record else "-",
            action=action,
            kombo_integration_id=record.kombo_integration_id if record else None,
        )
        if refusal:
            attempt.outcome = "refused"
            attempt.detail = f"{refusal.message} (integration {str(integration_id)[:32]!r})"
            attempt.finished_at = attempt.started_at
        session.add(attempt)
    if refusal or record is None:
        refusal = refusal or Problem(NOT_YOURS)
        # The user's id, not their email: the id is enough to look them up.
        logger.warning(
            "Refused %s of %r for user %s: %s",
            action,
            str(integration_id)[:64],
            user.user_id,
            refusal.message,
        )
        raise refusal
    return attempt.id, record.kombo_integration_id


def _has_setup_to_do(record: Integration, options: ConnectOptions | None) -> bool:
    """An incomplete setup is always there to finish; a completed one can be changed
    when this deployment connects with setup steps (Kombo answers a setup link for an
    integration with at least one step enabled)."""
    if record.setup_status == "INCOMPLETE":
        return True
    return options is not None and options.has_setup_steps(record.category)


def _done(session: Session, attempt_id: str) -> None:
    attempt = session.get(ConnectAttempt, attempt_id)
    if attempt is not None and attempt.outcome == "started":
        finish_attempt(attempt, "done", None)
        session.add(attempt)
