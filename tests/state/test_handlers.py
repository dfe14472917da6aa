"""State handlers driven directly, as a browser's events would call them: a member or
another organisation's admin gets nothing done, whatever event they send."""

import pytest
import reflex as rx
from reflex.istate.data import RouterData
from sqlmodel import Session, select
from starlette.testclient import TestClient

from kombo_portal.cookies import SESSION_COOKIE
from kombo_portal.db.models import ConnectAttempt, Integration
from kombo_portal.db.transaction import transaction
from kombo_portal.i18n import translate
from kombo_portal.records.accounts import find_user
from kombo_portal.records.sessions import start_session
from kombo_portal.state.integrations import IntegrationsState
from kombo_portal.use_cases.connect import ConnectOptions, finish_connect, start_connect
from tests.sandbox.conftest import complete_flow
from tests.use_cases.conftest import People


def page_state(engine, backend, email: str, *, language: str | None = None) -> IntegrationsState:
    """The state of a browser tab signed in as `email` (who first chose `language`, if
    given: the page speaks its user's language)."""
    with transaction(engine) as session:
        if language is not None:
            find_user(session, email).language = language
        token = start_session(
            session, find_user(session, email), backend.settings.security.secret_key
        )
    root = rx.State(_reflex_internal_init=True)

    def find(state):
        if isinstance(state, IntegrationsState):
            return state
        return next(filter(None, (find(sub) for sub in state.substates.values())), None)

    state = find(root)
    sign_in_as(state, token)
    return state


def sign_in_as(state, token: str) -> None:
    """What the browser's connection would carry: the session cookie."""
    router = RouterData.from_router_data(
        {"headers": {"cookie": f"{SESSION_COOKIE}={token}", "host": "t", "origin": "http://t"}}
    )
    object.__setattr__(state, "router", router)


async def run(handler, state, *args):
    """Call an event handler as Reflex would, draining generators."""
    result = handler.fn(state, *args)
    if hasattr(result, "__aiter__"):
        return [update async for update in result]
    if hasattr(result, "__await__"):
        return await result
    return result


@pytest.fixture
async def acme_hris(engine, backend, people: People) -> Integration:
    admin = people.acme_admin
    options = ConnectOptions(categories=("HRIS", "ATS"))
    started = await start_connect(engine, backend.kombo, admin, "HRIS", options)
    control = TestClient(
        backend.sandbox,
        base_url="http://t",
        headers={"Authorization": f"Bearer {backend.settings.sandbox.api_key}"},
    )
    token = complete_flow(control, started.link, tool="personio")
    return await finish_connect(engine, backend.kombo, admin, started.attempt_id, token)


@pytest.mark.parametrize("email", ["member@acme.test", "admin@globex.test"])
@pytest.mark.parametrize(
    ("handler", "extra"),
    [
        (IntegrationsState.disconnect, ()),
        (IntegrationsState.set_enabled, (False,)),
        (IntegrationsState.reconnect, ()),
        (IntegrationsState.finish_setup, ()),
    ],
    ids=["disconnect", "disable", "reconnect", "finish_setup"],
)
async def test_outsiders_sending_events_change_nothing(
    engine, backend, acme_hris, email, handler, extra
):
    state = page_state(engine, backend, email)

    await run(handler, state, acme_hris.id, *extra)

    assert state.error != ""
    assert state.connect_link == ""
    with Session(engine) as session:
        record = session.get(Integration, acme_hris.id)
        assert (record.removed_at, record.state) == (None, "ACTIVE")
        refused = session.exec(
            select(ConnectAttempt).where(ConnectAttempt.outcome == "refused")
        ).all()
    assert len(refused) == 1


async def test_a_member_sending_connect_gets_no_link(engine, backend, people: People):
    state = page_state(engine, backend, "member@acme.test")

    await run(IntegrationsState.connect, state, "ATS")

    assert (state.connect_link, state.error) == ("", "Only admins can connect systems.")


async def test_an_event_without_a_session_is_sent_to_sign_in(engine, backend, people: People):
    state = page_state(engine, backend, "admin@acme.test")
    sign_in_as(state, "forged-or-expired")

    updates = await run(IntegrationsState.connect, state, "ATS")

    assert state.connect_link == ""
    assert updates and "sign-in" in str(updates[0])


async def test_reloading_the_page_closes_a_flow_left_open(engine, backend, people: People):
    state = page_state(engine, backend, "admin@acme.test")
    await run(IntegrationsState.connect, state, "ATS")
    assert state.connect_link

    await run(IntegrationsState.load, state)

    assert (state.connect_link, state.busy) == ("", False)
    with Session(engine) as session:
        [attempt] = session.exec(select(ConnectAttempt)).all()
    assert (attempt.outcome, attempt.detail) == ("cancelled", "page reloaded")


async def test_a_member_is_told_an_admin_can_reconnect_and_an_admin_to_reconnect(
    engine, backend, acme_hris
):
    with transaction(engine) as session:
        session.get(Integration, acme_hris.id).state = "INVALID"
    member = page_state(engine, backend, "member@acme.test")
    admin = page_state(engine, backend, "admin@acme.test")

    await run(IntegrationsState.load, member)
    await run(IntegrationsState.load, admin)

    def hris(state):
        return next(card for card in state.cards if card.category == "HRIS")

    def text(state, key: str, **params) -> str:
        return translate(state.language, key, **params)  # each in their own language

    names = "Personio (HRIS)"
    assert hris(member).explanation == text(member, "card.needs_reconnection.member_explanation")
    assert member.broken == text(member, "banner.needs_reconnection_member", names=names)
    assert hris(admin).explanation == text(admin, "card.needs_reconnection.explanation")
    assert admin.broken == text(admin, "banner.needs_reconnection", names=names)
    assert member.language == "en"
    assert member.broken.endswith("an admin can reconnect them.")
