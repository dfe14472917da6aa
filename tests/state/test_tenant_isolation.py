"""Tenant isolation, event by event: every page event that names something (an
integration, an invitation, an activation token) is sent by Globex's admin with
Acme's ids, and by Acme's member where an admin is needed. Each is refused on the
page, changes nothing in the database, and leaves exactly one refusal in the
audit log (a ConnectAttempt with the outcome "refused", of the one who asked).

The inventory tests below fail when a page event or a route is added without
saying whether it takes an id, so a new one cannot go untried.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlmodel import Session, SQLModel, select
from starlette.testclient import TestClient

from kombo_portal.api import create_backend_api
from kombo_portal.db.models import ConnectAttempt, Integration, MagicLink, utc_now
from kombo_portal.i18n import translate
from kombo_portal.records.sessions import SignedInUser
from kombo_portal.sandbox.models import SANDBOX_METADATA, SandboxActivationToken
from kombo_portal.state.auth import AuthState
from kombo_portal.state.integrations import IntegrationsState
from kombo_portal.use_cases import connect, lifecycle
from tests.sandbox.conftest import complete_flow
from tests.state.test_handlers import acme_hris, page_state, run  # noqa: F401  (a fixture)
from tests.support.accounts import People

# What an English page says (the services name their messages by key).
NOT_CONFIRMED = translate("en", connect.NOT_CONFIRMED)
NOT_YOURS = translate("en", lifecycle.NOT_YOURS)
NOT_STARTED_HERE = "This connection was not started here. Start it again."


def says(tab, key: str, **params) -> str:
    """A message as `tab` shows it: in its language (Acme's admin reads German)."""
    return translate(tab.language, key, **params)


ANOTHER_ORGANISATION = "This connection belongs to another organisation and was refused."
ADMINS_ONLY = "Only admins can change integrations."

# -- the inventory --------------------------------------------------------------------

# Page events that take an id, a token or a link, each tried below with Acme's.
ID_TAKING_EVENTS = {
    "IntegrationsState.revoke": "an invitation's id",
    "IntegrationsState.reconnect": "an integration's id",
    "IntegrationsState.finish_setup": "an integration's id",
    "IntegrationsState.disconnect": "an integration's id",
    "IntegrationsState.set_enabled": "an integration's id",
    "IntegrationsState.connect_succeeded": "an activation token",
}
# Page events that take none: what they act on comes from the session and the
# server's own state (the open flow's attempt id never leaves the server).
EVENTS_WITHOUT_IDS = {
    "AuthState.skip_sign_in_if_signed_in": "nothing",
    "AuthState.sign_in": "credentials (tests/state/test_sessions_on_the_page.py)",
    "AuthState.sign_out": "nothing",
    "AuthState.sign_in_with_oidc": "nothing (tests/state/test_demo_handoff.py)",
    "AuthState.sign_in_through_demo_host": "nothing (sandbox mode's demo admin; "
    "tests/state/test_demo_handoff.py)",
    "AuthState.choose_language": "a language code (tests/state/test_languages.py)",
    "AuthState.setvar": "Reflex's own; no setters exist (test below)",
    "IntegrationsState.setvar": "Reflex's own; no setters exist (test below)",
    "IntegrationsState.open_invite": "a category",
    "IntegrationsState.close_invite": "nothing",
    "IntegrationsState.invite": "a colleague's email",
    "IntegrationsState.show_activity_page": "a page of the user's own organisation's log",
    "IntegrationsState.load": "nothing",
    "IntegrationsState.refresh": "nothing",
    "IntegrationsState.connect": "a category",
    "IntegrationsState.connect_cancelled": "nothing",
    "IntegrationsState.connect_failed": "the browser's error, for the log",
    "IntegrationsState.switch_language": "a language code, stored on the user's own record "
    "(tests/state/test_languages.py)",
}
# The backend's routes and what each takes from the request.
ROUTES = {
    "/healthz": "nothing",
    "/auth/session": "a one-time grant and the signing-in browser's nonce (tests/api/test_auth.py)",
    "/auth/sign-out": "the page to return to (tests/api/test_auth.py)",
    "/webhooks/kombo": "Kombo's signed events naming integrations and organisations "
    "(tests/api/test_webhooks.py)",
    "/webhooks/kombo/integration-created": "the same as /webhooks/kombo",
    "/auth/handoff": "a host-signed token naming the user and their organisation; "
    "the organisation comes only from a verified token (tests/api/test_handoff.py)",
    "/auth/demo-host": "nothing but the page to go on to; sandbox mode only, signs in the "
    "demo admin (tests/api/test_demo_host.py)",
    "/metrics": "a bearer token; answers only counts, no organisation's data "
    "(tests/api/test_metrics.py)",
    "/auth/oidc/start": "nothing but the page to go on to; sends the browser to the "
    "host's OpenID provider (tests/api/test_oidc.py)",
    "/auth/oidc/callback": "the provider's code and the state sealed in this browser's "
    "cookie; the organisation comes only from an ID token the provider signed for this "
    "sign-in (tests/api/test_oidc.py)",
}


def page_states() -> list[type[AuthState]]:
    found, waiting = [], [AuthState]
    while waiting:
        state = waiting.pop()
        found.append(state)
        waiting.extend(state.get_substates())
    return found


def test_every_page_event_is_either_tried_with_foreign_ids_or_takes_none():
    events = {
        f"{state.__name__}.{name}" for state in page_states() for name in state.event_handlers
    }

    assert not set(ID_TAKING_EVENTS) & set(EVENTS_WITHOUT_IDS)
    assert events == set(ID_TAKING_EVENTS) | set(EVENTS_WITHOUT_IDS), (
        "a page event was added or removed: list it above, and try it below if it takes an id"
    )
    tried = {f"IntegrationsState.{attack.event}" for attack in ATTACKS}
    assert tried == set(ID_TAKING_EVENTS)


def test_every_route_is_listed(engine):
    paths = {route.path for route in create_backend_api(lambda: engine).routes}

    assert paths == set(ROUTES), "a route was added or removed: list it and test what it takes"


async def test_the_browser_cannot_set_the_pages_variables(engine, backend, people):
    # Reflex's built-in `setvar` event would let a browser set any variable with a
    # setter (the role, the open dialog's category, the page of the log): none has one.
    state = page_state(engine, backend, "member@acme.test")
    await run(IntegrationsState.load, state)
    names = {*AuthState.base_vars, *IntegrationsState.base_vars} - {"is_hydrated", "router"}
    assert {"is_admin", "inviting", "activity_page_number", "exit_url", "cards"} <= names

    for name in sorted(names):
        shown = getattr(state, name)
        with pytest.raises(AttributeError):
            await run(IntegrationsState.setvar, state, name, "HRIS")
        assert getattr(state, name) == shown, name


# -- Acme's ids, and who tries them ---------------------------------------------------


@dataclass
class Acme:
    integration_id: str  # its HRIS integration, with a setup left to finish
    link_id: str  # its open invitation to connect ATS
    token: str  # from its admin's ATS flow, not exchanged yet
    tab: IntegrationsState  # its admin's page, with that flow open


def sandbox_control(backend) -> TestClient:
    return TestClient(
        backend.sandbox,
        base_url="http://t",
        headers={"Authorization": f"Bearer {backend.settings.sandbox.api_key}"},
    )


@pytest.fixture
async def acme(engine, backend, acme_hris) -> Acme:  # noqa: F811  (the fixture)
    # So that finishing the setup is something Acme's own admin could do.
    changed = sandbox_control(backend).post(
        f"/control/integrations/{acme_hris.kombo_integration_id}/state",
        json={"setup_status": "INCOMPLETE", "enable_field_mapping": True},
    )
    assert changed.status_code == 200
    with Session(engine) as session:
        record = session.get(Integration, acme_hris.id)
        record.setup_status = "INCOMPLETE"
        session.add(record)
        session.commit()
    tab = page_state(engine, backend, "admin@acme.test")
    await run(IntegrationsState.load, tab)
    await run(IntegrationsState.open_invite, tab, "ATS")
    await run(IntegrationsState.invite, tab, {"email": "carla@acme.test"})
    [link] = rows(engine, MagicLink)
    await run(IntegrationsState.connect, tab, "ATS")
    assert tab.connect_link
    token = complete_flow(sandbox_control(backend), tab.connect_link, tool="greenhouse")
    return Acme(acme_hris.id, link.id, token, tab)


@dataclass(frozen=True)
class Attack:
    event: str
    ids: Callable[[Acme], tuple]
    # Messages on the page: for another organisation's admin, and for a member.
    refused_outsider: str
    refused_member: str | None
    # The outsider first opens a flow of their own (the token arrives in it).
    own_flow: bool = False

    @property
    def name(self) -> str:
        return self.event + (" in a flow of their own" if self.own_flow else "")


ATTACKS = [
    Attack(
        "revoke",
        lambda acme: (acme.link_id,),
        "This invitation is not one of your organisation's.",
        "Only admins can revoke invitations.",
    ),
    *(
        Attack(event, lambda acme: (acme.integration_id,), NOT_YOURS, ADMINS_ONLY)
        for event in ("reconnect", "finish_setup", "disconnect")
    ),
    Attack("set_enabled", lambda acme: (acme.integration_id, False), NOT_YOURS, ADMINS_ONLY),
    Attack("connect_succeeded", lambda acme: (acme.token,), NOT_STARTED_HERE, NOT_STARTED_HERE),
    # A member cannot open a flow; another organisation's admin can.
    Attack("connect_succeeded", lambda acme: (acme.token,), ANOTHER_ORGANISATION, None, True),
]
OUTSIDERS = {"admin@globex.test": "globex_admin", "member@acme.test": "acme_member"}
CASES = [
    pytest.param(
        email,
        attack,
        attack.refused_outsider if email == "admin@globex.test" else attack.refused_member,
        id=f"{attack.name} by {email}",
    )
    for attack in ATTACKS
    for email in OUTSIDERS
    if email == "admin@globex.test" or attack.refused_member is not None
]


def rows(engine, model) -> list:
    with Session(engine) as session:
        return list(session.exec(select(model)))


def snapshot(engine, leave_out: set[str]) -> dict[str, list[tuple]]:
    """Every row of every table (the sandbox's too), but those `leave_out` names."""
    with Session(engine) as session:
        return {
            table.name: sorted(tuple(map(repr, row)) for row in session.execute(table.select()))
            for metadata in (SQLModel.metadata, SANDBOX_METADATA)
            for table in metadata.sorted_tables
            if table.name not in leave_out
        }


def attempts(engine) -> dict[str, ConnectAttempt]:
    return {attempt.id: attempt for attempt in rows(engine, ConnectAttempt)}


def recorded_since(before: dict[str, ConnectAttempt], engine) -> list[ConnectAttempt]:
    """Audit rows that are new, or whose outcome changed, since `before`."""
    return [
        attempt
        for attempt in attempts(engine).values()
        if attempt.id not in before
        or (before[attempt.id].outcome, before[attempt.id].detail)
        != (attempt.outcome, attempt.detail)
    ]


@pytest.mark.parametrize(("email", "attack", "message"), CASES)
async def test_an_outsider_sending_acmes_ids_is_refused_changes_nothing_and_is_recorded(
    engine, backend, people: People, acme, email, attack, message
):
    outsider: SignedInUser = getattr(people, OUTSIDERS[email])
    tab = page_state(engine, backend, email)
    await run(IntegrationsState.load, tab)
    # Kombo's record of the exchange: a token is spent by being tried, whoever tries it.
    leave_out = {"connect_attempt"}
    if attack.own_flow:
        await run(IntegrationsState.connect, tab, "ATS")
        assert tab.connect_link
        leave_out.add("sandbox_activation_token")
    before, audit_before = snapshot(engine, leave_out), attempts(engine)

    await run(getattr(IntegrationsState, attack.event), tab, *attack.ids(acme))

    assert tab.error == message
    assert (tab.notice, tab.connect_link, tab.busy) == ("", "", False)
    assert snapshot(engine, leave_out) == before
    [refusal] = recorded_since(audit_before, engine)
    assert (refusal.outcome, refusal.organisation_id, refusal.user_id) == (
        "refused",
        outsider.organisation_id,
        outsider.user_id,
    )
    if email == "admin@globex.test":
        assert acme.integration_id not in {card.integration_id for card in tab.cards}


@pytest.mark.parametrize("attack", ATTACKS[:-1], ids=[attack.name for attack in ATTACKS[:-1]])
async def test_acmes_own_admin_sending_the_same_ids_is_served(engine, backend, acme, attack):
    # The ids above are live: the refusals are about who asked, not about the ids.
    tab = acme.tab
    if attack.event != "connect_succeeded":
        tab = page_state(engine, backend, "admin@acme.test")
        await run(IntegrationsState.load, tab)

    await run(getattr(IntegrationsState, attack.event), tab, *attack.ids(acme))

    assert tab.error == ""
    assert tab.notice or tab.connect_link
    assert "refused" not in {attempt.outcome for attempt in rows(engine, ConnectAttempt)}


# -- activation tokens ----------------------------------------------------------------


async def test_a_token_tried_by_outsiders_without_a_flow_still_works_for_its_own_tab(
    engine, backend, acme
):
    for email in OUTSIDERS:
        outsider = page_state(engine, backend, email)
        await run(IntegrationsState.connect_succeeded, outsider, acme.token)
        assert outsider.error == NOT_STARTED_HERE

    await run(IntegrationsState.connect_succeeded, acme.tab, acme.token)

    assert (acme.tab.error, acme.tab.notice) == (
        "",
        says(acme.tab, "notice.connected", tool="Greenhouse"),
    )


async def test_a_token_of_acmes_flow_finished_in_globexs_flow_records_nothing_for_globex(
    engine, backend, people: People, acme
):
    globex = page_state(engine, backend, "admin@globex.test")
    await run(IntegrationsState.connect, globex, "ATS")

    await run(IntegrationsState.connect_succeeded, globex, acme.token)

    assert globex.error == ANOTHER_ORGANISATION
    with Session(engine) as session:
        owned_by_globex = session.exec(
            select(Integration).where(
                Integration.organisation_id == people.globex_admin.organisation_id
            )
        ).all()
        acmes_flow = session.exec(
            select(ConnectAttempt)
            .where(ConnectAttempt.organisation_id == people.acme_admin.organisation_id)
            .where(ConnectAttempt.category == "ATS")
            .where(ConnectAttempt.action == "connect")
        ).one()
    assert owned_by_globex == []
    assert acmes_flow.outcome == "started", "Acme's own flow is not closed by Globex's refusal"
    await run(IntegrationsState.load, globex)
    assert globex.cards and all(card.connected is False for card in globex.cards)


async def test_a_replayed_token_is_refused_and_recorded(engine, backend, acme):
    await run(IntegrationsState.connect_succeeded, acme.tab, acme.token)
    assert acme.tab.notice == says(acme.tab, "notice.connected", tool="Greenhouse")
    audit_before = attempts(engine)

    # Sent again: no flow is open in the tab any more.
    await run(IntegrationsState.connect_succeeded, acme.tab, acme.token)

    assert acme.tab.error == says(acme.tab, connect.NOT_STARTED_HERE)
    [refusal] = recorded_since(audit_before, engine)
    assert refusal.outcome == "refused"

    # Sent in a new flow of the same category, once the first is disconnected: Kombo
    # has spent the token, so nothing is connected.
    [greenhouse] = [card for card in acme.tab.cards if card.category == "ATS"]
    await run(IntegrationsState.disconnect, acme.tab, greenhouse.integration_id)
    await run(IntegrationsState.connect, acme.tab, "ATS")
    audit_before = attempts(engine)

    await run(IntegrationsState.connect_succeeded, acme.tab, acme.token)

    assert acme.tab.error == says(acme.tab, connect.NOT_CONFIRMED)
    [failed] = recorded_since(audit_before, engine)
    assert failed.outcome == "failed" and "already been used" in failed.detail
    live = [record for record in rows(engine, Integration) if record.removed_at is None]
    assert [record.category for record in live] == ["HRIS"]


async def test_an_expired_token_is_refused_and_recorded(engine, backend, acme):
    with Session(engine) as session:
        # The sandbox's tokens last ten minutes, like Kombo's.
        stored = session.get(SandboxActivationToken, acme.token)
        stored.expires_at = utc_now() - timedelta(seconds=1)
        session.add(stored)
        session.commit()
    audit_before = attempts(engine)

    await run(IntegrationsState.connect_succeeded, acme.tab, acme.token)

    assert acme.tab.error == says(acme.tab, connect.NOT_CONFIRMED)
    [failed] = recorded_since(audit_before, engine)
    assert failed.outcome == "failed" and "expired" in failed.detail
    assert [record.category for record in rows(engine, Integration)] == ["HRIS"]
