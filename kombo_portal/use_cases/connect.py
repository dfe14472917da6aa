"""Connecting a system: the backend half of Kombo Connect's embedded flow.

1. `start_connect`: a signed-in admin asks to connect a category; the portal asks
   Kombo for a link built from the database (never from the browser).
2. The browser opens the link with `showKomboConnect`, which resolves with an
   activation token.
3. `finish_connect`: the portal exchanges the token, checks the integration is
   for the admin's own organisation, and records it.

Every attempt leaves an audit row: who, when, which category, how it ended.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import Engine

from kombo_portal.db.models import ConnectAttempt, Integration, utc_now
from kombo_portal.db.threads import in_database_thread
from kombo_portal.db.transaction import reading, transaction
from kombo_portal.i18n import category_name
from kombo_portal.kombo import (
    CreateLinkRequest,
    FailureKind,
    IntegrationCategory,
    KomboClient,
    KomboError,
    LinkType,
)
from kombo_portal.problems import Problem, kombo_problem
from kombo_portal.records.attempts import (
    ADMINS_ONLY,
    close_open_attempt,
    finish_attempt,
    refusal_to_connect,
)
from kombo_portal.records.flow_failures import clear_flow_failures
from kombo_portal.records.integrations import (
    IntegrationFacts,
    IntegrationOwnedElsewhere,
    find_by_kombo_id,
    has_live_integration,
    lock_category,
    lock_integration,
    mark_removed,
    record_integration,
)
from kombo_portal.records.sessions import SignedInUser
from kombo_portal.use_cases.kombo_details import facts_from_details
from kombo_portal.use_cases.page_data import PageAfter, read_page_now

logger = logging.getLogger(__name__)

# Message keys (kombo_portal.i18n): the page shows them in the user's language.
NOT_CONFIRMED = "problem.not_confirmed"
# The exchange may have reached Kombo (a timeout, or a connection lost after sending):
# then the integration exists, and Kombo's webhook brings it to the card.
MAYBE_CONFIRMED_LATER = "problem.maybe_confirmed_later"
NOT_STARTED_HERE = "problem.not_started_here"
ALREADY_COMPLETED = "problem.already_completed"
OTHER_ORGANISATION = "problem.other_organisation"


@dataclass(frozen=True)
class ConnectOptions:
    """Per-deployment choices passed to create-link (and the scope config to relink)."""

    categories: tuple[str, ...] = ("HRIS", "ATS")
    tools: dict[str, str] = field(default_factory=dict)  # category -> integration_tool
    scope_config_id: str | None = None
    enable_filtering: bool = False
    enable_field_mapping: bool = False
    enable_static_ips: bool = False
    remote_environment: str | None = None  # only for categories with a tool chosen

    def has_setup_steps(self, category: str) -> bool:
        """Whether a connection of `category` goes through setup steps (Kombo filters
        HRIS data only)."""
        return (self.enable_filtering and category == "HRIS") or self.enable_field_mapping

    def link_request(
        self,
        user: SignedInUser,
        category: str,
        *,
        email: str | None = None,
        link_type: LinkType = LinkType.EMBEDDED,
    ) -> CreateLinkRequest:
        """create-link's body for `user`'s organisation: the same choices whether the
        admin connects or invites a colleague (`email`, with a magic link)."""
        tool = self.tools.get(category)
        return CreateLinkRequest(
            end_user_email=email or user.email,
            end_user_organization_name=user.organisation_name,
            end_user_origin_id=user.organisation_id,
            integration_category=IntegrationCategory(category),
            integration_tool=tool,
            remote_environment=self.remote_environment if tool else None,
            language=user.kombo_language,
            scope_config_id=self.scope_config_id,
            enable_filtering=self.enable_filtering and category == "HRIS",
            enable_field_mapping=self.enable_field_mapping,
            enable_static_ips=self.enable_static_ips,
            link_type=link_type,
        )


@dataclass(frozen=True)
class ConnectStart:
    attempt_id: str
    link: str
    static_ips: tuple[str, ...] = ()


async def start_connect(
    engine: Engine,
    kombo: KomboClient,
    user: SignedInUser,
    category: str,
    options: ConnectOptions,
) -> ConnectStart:
    # Database work in a thread, here and below: callers run on the web server's
    # event loop, which serves every open page of the process.
    attempt, refusal = await in_database_thread(_open_attempt, engine, user, category, options)
    if refusal:
        raise refusal

    try:
        created = await kombo.create_connection_link(options.link_request(user, category))
    except KomboError as error:
        await close_attempt(engine, attempt.id, "link_failed", repr(error), log_url=error.log_url)
        raise kombo_problem(error) from None
    if created.static_ips:
        await in_database_thread(_keep_static_ips, engine, attempt.id, created.static_ips)
    return ConnectStart(attempt_id=attempt.id, link=created.link, static_ips=created.static_ips)


def _keep_static_ips(engine: Engine, attempt_id: str, static_ips: tuple[str, ...]) -> None:
    """The card shows them (records.overview) until the customer connects again."""
    with transaction(engine) as session:
        attempt = session.get(ConnectAttempt, attempt_id)
        if attempt is not None:
            attempt.static_ips = " ".join(static_ips)
            session.add(attempt)


def _open_attempt(
    engine: Engine, user: SignedInUser, category: str, options: ConnectOptions
) -> tuple[ConnectAttempt, Problem | None]:
    """Record the attempt, refused at once if the user may not connect `category`."""
    with transaction(engine) as session:
        refusal = refusal_to_connect(session, user, category, options.categories)
        attempt = ConnectAttempt(
            organisation_id=user.organisation_id, user_id=user.user_id, category=category
        )
        if refusal:
            finish_attempt(attempt, "refused", refusal.message)
        session.add(attempt)
    return attempt, refusal


def _open_attempt_of(
    engine: Engine, user: SignedInUser, attempt_id: str
) -> tuple[str, str, str | None]:
    """The category, action and repaired integration of the user's open attempt;
    raises Problem (after recording the refusal) if there is none."""
    # The usual case, the user's open attempt, is only read: on SQLite a write would
    # queue behind every other writer, and with many users connecting at once that
    # queue is long. _record_connection checks the attempt again when it writes.
    with reading(engine) as session:
        attempt = session.get(ConnectAttempt, attempt_id)
        if attempt is not None and _is_open_attempt_of(attempt, user):
            return attempt.category, attempt.action, attempt.kombo_integration_id
    with transaction(engine) as session:
        attempt = session.get(ConnectAttempt, attempt_id)
        own = (
            attempt is not None
            and attempt.organisation_id == user.organisation_id
            and attempt.user_id == user.user_id
        )
        if attempt is not None and own and attempt.outcome == "started":
            return attempt.category, attempt.action, attempt.kombo_integration_id
        refusal = Problem(ALREADY_COMPLETED if attempt is not None and own else NOT_STARTED_HERE)
        # A token sent without an open flow of this user's (a replay, or another tab's
        # or organisation's token) is not exchanged, but it is recorded.
        theirs = attempt if own else None
        refused = ConnectAttempt(
            organisation_id=user.organisation_id,
            user_id=user.user_id,
            category=theirs.category if theirs else "-",
            action=theirs.action if theirs else "connect",
        )
        detail = f"{refusal.message} (attempt {str(attempt_id)[:32]!r})"
        finish_attempt(refused, "refused", detail)
        session.add(refused)
    raise refusal


def _is_open_attempt_of(attempt: ConnectAttempt, user: SignedInUser) -> bool:
    own = attempt.organisation_id == user.organisation_id and attempt.user_id == user.user_id
    return own and attempt.outcome == "started"


async def finish_connect(
    engine: Engine,
    kombo: KomboClient,
    user: SignedInUser,
    attempt_id: str,
    activation_token: str,
    page_after: PageAfter | None = None,
) -> Integration:
    """The flow of `attempt_id` resolved with `activation_token`: record what it made.

    For a reconnect or a setup the token must name the integration being repaired;
    if Kombo's repair flow gives no usable token, the integration is read instead.
    `page_after`: the organisation's page is read with the record, into it.
    """
    category, action, repaired_id = await in_database_thread(
        _open_attempt_of, engine, user, attempt_id
    )
    if not user.is_admin:  # the role may have changed since the flow opened
        await close_attempt(engine, attempt_id, "refused", "no longer an admin")
        raise Problem(ADMINS_ONLY)

    try:
        found = await kombo.integration_by_token(activation_token)
        kombo_integration_id, origin_id = found.id, found.end_user_origin_id
        token_facts = IntegrationFacts(
            kombo_integration_id=found.id,
            organisation_id=user.organisation_id,
            category=category,
            tool_id=found.tool,
            setup_status=str(found.setup_status) if found.setup_status else None,
        )
    except KomboError as error:
        if repaired_id is None:
            await close_attempt(engine, attempt_id, "failed", repr(error), log_url=error.log_url)
            may_exist = error.kind is FailureKind.TIMEOUT or (
                error.kind is FailureKind.CONNECTION and error.request_sent
            )
            message = MAYBE_CONFIRMED_LATER if may_exist else NOT_CONFIRMED
            raise Problem(message, log_url=error.log_url) from None
        kombo_integration_id, origin_id, token_facts = repaired_id, user.organisation_id, None
    if origin_id != user.organisation_id or (
        repaired_id is not None and kombo_integration_id != repaired_id
    ):
        await close_attempt(
            engine,
            attempt_id,
            "refused",
            f"token for another organisation or integration ({origin_id!r}, "
            f"{kombo_integration_id})",
        )
        raise Problem(OTHER_ORGANISATION)

    asked_at = utc_now()
    try:
        facts = facts_from_details(
            await kombo.get_integration(kombo_integration_id), user.organisation_id, asked_at
        )
    except KomboError as error:
        if token_facts is None:
            await close_attempt(engine, attempt_id, "failed", repr(error), log_url=error.log_url)
            raise kombo_problem(error) from None
        # The integration exists at Kombo: record what the token told us rather than
        # lose it; the details follow with its next webhook.
        logger.warning(
            "Details of %s not fetched (%s); recording it without", kombo_integration_id, error
        )
        facts = token_facts
    if facts.category and facts.category != category:
        # The link was for `category`: a token that names another category's integration
        # came from another flow (Kombo does not promise that a token works only once).
        await close_attempt(
            engine,
            attempt_id,
            "refused",
            f"token for a {facts.category} integration in a {category} flow",
        )
        raise Problem(NOT_STARTED_HERE)

    def record() -> Integration | None:
        recorded = _record_connection(engine, user, attempt_id, action, facts, category)
        if recorded is not None and page_after is not None:
            number = page_after.activity_page_number
            page_after.data = read_page_now(engine, user.organisation_id, number)
        return recorded

    integration = await in_database_thread(record)
    if integration is None:
        # Kombo does not deduplicate: remove the second connection it just made.
        try:
            await kombo.delete_integration(kombo_integration_id)
        except KomboError as error:
            logger.error("Duplicate %s not removed at Kombo: %s", kombo_integration_id, error)
        raise Problem(
            "problem.already_connected", category=category_name(facts.category or category)
        )
    return integration


def _record_connection(
    engine: Engine,
    user: SignedInUser,
    attempt_id: str,
    action: str,
    facts: IntegrationFacts,
    category: str,
) -> Integration | None:
    """Record the integration the flow made and close the attempt; None if it is a
    second one of a category already connected (the attempt is closed as refused)."""
    kombo_integration_id = facts.kombo_integration_id
    with transaction(engine) as session:
        attempt = session.get(ConnectAttempt, attempt_id)
        if attempt is None or attempt.outcome != "started":
            raise Problem(ALREADY_COMPLETED)
        # Under this integration's lock: its own integration-created webhook has either
        # recorded it already (found here) or waits until this transaction ends.
        lock_integration(session, kombo_integration_id)
        existing = find_by_kombo_id(session, kombo_integration_id)
        wanted = facts.category or category
        # Checked again here, under the category's lock: two tabs may have started the
        # same category at once. This flow's integration may be recorded already (by its
        # webhook), so it is another live one of the category that makes it a second.
        if action == "connect":
            lock_category(session, user.organisation_id, wanted)
            if has_live_integration(
                session, user.organisation_id, wanted, other_than=kombo_integration_id
            ):
                finish_attempt(attempt, "refused", f"{wanted} already connected; removed duplicate")
                attempt.kombo_integration_id = kombo_integration_id
                session.add(attempt)
                # Recorded as removed, as the caller deletes it at Kombo: its webhook,
                # before or after, then finds it removed and leaves it so, instead of
                # making it a live second that would refuse the first in turn.
                refused = existing or record_integration(session, facts)
                mark_removed(session, kombo_integration_id, known=refused)
                return None
        try:
            integration = record_integration(
                session, facts, connected_by_user_id=user.user_id, known=existing
            )
        except IntegrationOwnedElsewhere:
            finish_attempt(
                attempt, "refused", f"{kombo_integration_id} belongs to another organisation"
            )
            session.add(attempt)
            session.commit()
            raise Problem(OTHER_ORGANISATION) from None
        clear_flow_failures(session, user.organisation_id, integration.category)
        finish_attempt(attempt, "connected", None)
        attempt.kombo_integration_id = kombo_integration_id
        session.add(attempt)
    return integration


async def abandon_connect(
    engine: Engine, user: SignedInUser, attempt_id: str, outcome: str, detail: str
) -> None:
    """The flow ended in the browser without a token: cancelled by the user, or an error."""
    await close_attempt(engine, attempt_id, outcome, detail, user_id=user.user_id)


async def close_attempt(
    engine: Engine,
    attempt_id: str,
    outcome: str,
    detail: str,
    *,
    user_id: str | None = None,
    log_url: str | None = None,
) -> None:
    """End an attempt that is still open (of `user_id`, if given) with `outcome`."""

    def close() -> None:
        with transaction(engine) as session:
            close_open_attempt(
                session, attempt_id, outcome, detail, user_id=user_id, log_url=log_url
            )

    await in_database_thread(close)
