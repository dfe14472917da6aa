"""Kombo failing, as the page sees it: the backend built from settings (sandbox mode,
KOMBO_TIMEOUT_SECONDS small) with the sandbox's fault setting. The person reads a
short message in time, the page is free for the next click, and the next click
works once Kombo does."""

import time

import pytest
from sqlmodel import Session, select
from starlette.testclient import TestClient

from kombo_portal.backend import build_backend, install_backend
from kombo_portal.config import Settings
from kombo_portal.db.models import ConnectAttempt, Integration
from kombo_portal.i18n import translate
from kombo_portal.state.integrations import IntegrationsState
from tests.sandbox.conftest import complete_flow
from tests.state.test_handlers import acme_hris, page_state, run  # noqa: F401  (a fixture)

TIMEOUT_SECONDS = "0.5"
SLOW = 5.0


@pytest.fixture
async def backend(engine):
    built = build_backend(
        Settings.from_environment({"KOMBO_TIMEOUT_SECONDS": TIMEOUT_SECONDS}),
        lambda: engine,
        backend_url="http://t",
    )
    install_backend(built)
    yield built
    await built.kombo.aclose()


@pytest.fixture
def control(backend) -> TestClient:
    return TestClient(
        backend.sandbox,
        base_url="http://t",
        headers={"Authorization": f"Bearer {backend.settings.sandbox.api_key}"},
    )


def fault(control: TestClient, **fields) -> None:
    assert control.post("/control/faults", json=fields).status_code == 200


def open_attempts(engine) -> list[ConnectAttempt]:
    with Session(engine) as session:
        return list(session.exec(select(ConnectAttempt).where(ConnectAttempt.outcome == "started")))


async def timed_run(handler, state, *args) -> float:
    started = time.monotonic()
    await run(handler, state, *args)
    return time.monotonic() - started


async def test_a_slow_kombo_on_connect_is_a_message_in_time_and_the_next_click_works(
    engine, backend, control, people
):
    state = page_state(engine, backend, "admin@acme.test", language="en")
    fault(control, path_prefix="/v1/connect/create-link", kind="latency", seconds=SLOW)

    waited = await timed_run(IntegrationsState.connect, state, "HRIS")

    assert waited < 2.5  # the configured 0.5 s, not Kombo's 5 s
    assert state.error == "Kombo did not answer in time. Try again in a moment."
    assert (state.busy, state.connect_link) == (False, "")
    assert open_attempts(engine) == []

    await run(IntegrationsState.connect, state, "HRIS")

    assert state.error == ""
    assert state.connect_link


async def test_kombo_failing_to_confirm_the_connection_frees_the_page(
    engine, backend, control, people
):
    state = page_state(engine, backend, "admin@acme.test", language="en")
    await run(IntegrationsState.connect, state, "HRIS")
    token = complete_flow(control, state.connect_link, tool="personio")
    fault(control, path_prefix="/v1/connect/integration-by-token/", kind="500")

    await run(IntegrationsState.connect_succeeded, state, token)

    assert state.error == (
        "The connection could not be confirmed with Kombo. Try connecting again."
    )
    assert (state.busy, state.connect_link) == (False, "")
    assert open_attempts(engine) == []
    with Session(engine) as session:
        assert session.exec(select(Integration)).all() == []


@pytest.mark.parametrize(
    ("handler", "path", "method", "kind", "message"),
    [
        (
            IntegrationsState.disconnect,
            "/v1/integrations/",
            "DELETE",
            "timeout",
            "problem.disconnect_failed",
        ),
        (
            IntegrationsState.reconnect,
            "/v1/integrations/",
            "POST",
            "malformed_json",
            "problem.kombo_unreadable",
        ),
    ],
    ids=["disconnect-timeout", "reconnect-malformed_json"],
)
@pytest.mark.usefixtures("acme_hris")
async def test_kombo_failing_an_action_on_a_card_leaves_the_card_as_it_was(
    engine, backend, control, handler, path, method, kind, message
):
    with Session(engine) as session:
        [hris] = session.exec(select(Integration)).all()
    state = page_state(engine, backend, "admin@acme.test", language="en")
    await run(IntegrationsState.load, state)
    fault(control, path_prefix=path, method=method, kind=kind, seconds=SLOW)

    waited = await timed_run(handler, state, hris.id)

    assert waited < 2.5
    # In the page's language: Acme's admin reads German.
    assert state.error == translate(state.language, message)
    assert (state.busy, state.connect_link) == (False, "")
    [card] = [card for card in state.cards if card.category == "HRIS"]
    assert (card.connected, card.state) == (True, "active")
    assert open_attempts(engine) == []

    await run(handler, state, hris.id)  # Kombo answers again

    assert state.error == ""
