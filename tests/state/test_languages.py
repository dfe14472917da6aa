"""The page speaks the reader's language: chosen from the browser at first, switched on
the page (stored on a signed-in user's record), and passed on to Kombo's flow."""

import json

import httpx
import pytest
import respx
from reflex.istate.data import RouterData
from sqlmodel import Session

from kombo_portal.backend import build_backend, install_backend
from kombo_portal.config import Settings
from kombo_portal.db.models import User
from kombo_portal.db.transaction import transaction
from kombo_portal.i18n import translate
from kombo_portal.records.accounts import find_user
from kombo_portal.records.integrations import IntegrationFacts, record_integration
from kombo_portal.state import inputs
from kombo_portal.state.auth import AuthState
from kombo_portal.state.integrations import IntegrationsState
from tests.state.test_auth_state import fresh_tab
from tests.state.test_handlers import page_state, run

BAD_VALUES = [None, 42, ["de"], {"language": "de"}, "", "nl", "DE", "de-CH", "de\x00", "x" * 10_000]


def language_of(engine, email: str) -> str:
    with Session(engine) as session:
        return find_user(session, email).language


def browser_asks_for(state: AuthState, accept_language: str, cookie: str = "") -> None:
    router = RouterData.from_router_data(
        {
            "pathname": "/sign-in",
            "headers": {
                "host": "portal.test",
                "origin": "https://portal.test",
                "accept-language": accept_language,
                "cookie": cookie,
            },
        }
    )
    object.__setattr__(state, "router", router)


async def test_a_signed_in_page_speaks_the_users_stored_language(engine, backend, people):
    state = page_state(engine, backend, "admin@acme.test")  # Ada reads German

    await run(IntegrationsState.load, state)

    assert (state.language, state.text["page.title"]) == ("de", "Integrationen")
    hris = state.cards[0]
    assert (hris.title, hris.status_text, hris.primary_label) == (
        "HR-System",
        "Nicht verbunden",
        "HRIS verbinden",
    )


async def test_switching_the_language_stores_it_and_redraws_the_page(engine, backend, people):
    state = page_state(engine, backend, "admin@acme.test")
    await run(IntegrationsState.load, state)

    await run(IntegrationsState.switch_language, state, "fr")

    assert (state.language, state.chosen_language, state.error) == ("fr", "fr", "")
    assert state.text["page.sign_out"] == "Se déconnecter"
    assert state.cards[0].primary_label == "Connecter SIRH"
    assert language_of(engine, "admin@acme.test") == "fr"
    # Another tab of the same user, opened afterwards, speaks it too.
    other = page_state(engine, backend, "admin@acme.test")
    await run(IntegrationsState.load, other)
    assert other.language == "fr"


async def test_a_bad_language_is_refused_with_a_message_and_changes_nothing(
    engine, backend, people
):
    state = page_state(engine, backend, "admin@acme.test")
    await run(IntegrationsState.load, state)
    cards = state.cards

    for value in BAD_VALUES:
        await run(IntegrationsState.switch_language, state, value)

        assert state.error == translate("de", inputs.BAD_REQUEST), value
        assert (state.language, state.cards) == ("de", cards)
    assert language_of(engine, "admin@acme.test") == "de"


async def test_switching_while_signed_out_goes_to_sign_in_and_stores_nothing(
    engine, backend, people
):
    state = page_state(engine, backend, "admin@acme.test")
    object.__setattr__(
        state,
        "router",
        RouterData.from_router_data({"headers": {"host": "t", "origin": "http://t"}}),
    )

    updates = await run(IntegrationsState.switch_language, state, "es")

    assert "sign-in" in str(updates)
    assert state.language == "en"
    assert language_of(engine, "admin@acme.test") == "de"


@pytest.mark.parametrize(
    ("accept_language", "cookie", "expected"),
    [
        ("de-CH,de;q=0.9,en;q=0.8", "", "de"),
        ("fr;q=0.4, it;q=0.6", "", "it"),
        ("nl-NL", "", "en"),
        # What this browser chose before wins over what it asks for.
        ("de-CH", "es", "es"),
        ("de-CH", "nl", "de"),
    ],
)
async def test_the_sign_in_page_follows_the_browser_until_a_choice_is_made(
    backend, accept_language, cookie, expected
):
    state = fresh_tab()
    browser_asks_for(state, accept_language)
    state.chosen_language = cookie

    await run(AuthState.skip_sign_in_if_signed_in, state)

    assert state.language == expected
    assert state.text["sign_in.title"] == translate(expected, "sign_in.title")


async def test_the_sign_in_page_switch_is_remembered_and_refuses_bad_values(backend):
    state = fresh_tab()

    await run(AuthState.choose_language, state, "de")

    assert (state.language, state.chosen_language, state.sign_in_error) == ("de", "de", "")
    assert state.text["sign_in.submit"] == "Anmelden"
    for value in BAD_VALUES:
        await run(AuthState.choose_language, state, value)

        assert state.sign_in_error == translate("de", inputs.BAD_REQUEST), value
        assert (state.language, state.chosen_language) == ("de", "de")


async def test_sign_in_errors_are_in_the_pages_language(backend, people):
    state = fresh_tab()
    await run(AuthState.choose_language, state, "it")

    await run(AuthState.sign_in, state, {"email": "admin@acme.test", "password": "wrong one!"})

    assert state.sign_in_error == "L'email o la password non è corretta."


# -- the language reaches Kombo ------------------------------------------------------

BASE = "https://kombo.test/v1"


@pytest.fixture
async def kombo_backend(engine):
    """The page with the real Kombo client, and respx standing in for Kombo."""
    settings = Settings.from_environment(
        {
            "KOMBO_API_KEY": "ks_dev_test",
            "KOMBO_API_BASE_URL": BASE,
            "KOMBO_WEBHOOK_SECRET": "w" * 32,
            "PORTAL_SECRET_KEY": "s" * 32,
        }
    )
    built = build_backend(settings, lambda: engine, backend_url="http://t")
    install_backend(built)
    yield built
    await built.kombo.aclose()


def link_answer(sent: list[dict]):
    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content or b"{}"))
        return httpx.Response(
            200, json={"status": "success", "data": {"link": "https://connect.kombo.dev/v1?x"}}
        )

    return answer


def germans_page(engine, backend):
    return page_state(engine, backend, "admin@acme.test")  # Ada reads German


async def test_a_german_users_connect_asks_kombo_for_a_german_flow(engine, kombo_backend, people):
    state = germans_page(engine, kombo_backend)
    sent = []
    with respx.mock(assert_all_called=True) as kombo:
        kombo.post(f"{BASE}/connect/create-link").mock(side_effect=link_answer(sent))
        await run(IntegrationsState.connect, state, "HRIS")

    assert state.connect_link and state.error == ""
    assert (sent[0]["language"], sent[0]["integration_category"]) == ("de", "HRIS")


async def test_the_switched_language_goes_to_kombo_from_then_on(engine, kombo_backend, people):
    state = germans_page(engine, kombo_backend)
    await run(IntegrationsState.switch_language, state, "es")
    sent = []
    with respx.mock(assert_all_called=True) as kombo:
        kombo.post(f"{BASE}/connect/create-link").mock(side_effect=link_answer(sent))
        await run(IntegrationsState.connect, state, "ATS")

    assert sent[0]["language"] == "es"


async def test_reconnect_and_setup_links_are_in_the_users_language(engine, kombo_backend, people):
    with transaction(engine) as session:
        record = record_integration(
            session,
            IntegrationFacts(
                kombo_integration_id="personio:CBNMt7dSNCzBdnRTx87dev4E",
                organisation_id=people.acme_admin.organisation_id,
                category="HRIS",
                tool_id="personio",
                tool_label="Personio",
                state="ACTIVE",
                setup_status="INCOMPLETE",
            ),
        )
        record_id = record.id
    state = germans_page(engine, kombo_backend)
    await run(IntegrationsState.load, state)
    relinks, setups = [], []
    with respx.mock(assert_all_called=True) as kombo:
        kombo.post(f"{BASE}/integrations/personio:CBNMt7dSNCzBdnRTx87dev4E/relink").mock(
            side_effect=link_answer(relinks)
        )
        kombo.post(f"{BASE}/integrations/personio:CBNMt7dSNCzBdnRTx87dev4E/setup-link").mock(
            side_effect=link_answer(setups)
        )
        await run(IntegrationsState.reconnect, state, record_id)
        await run(IntegrationsState.connect_cancelled, state)
        await run(IntegrationsState.finish_setup, state, record_id)

    assert relinks[0]["language"] == setups[0]["language"] == "de"


async def test_an_invitation_link_is_in_the_inviting_users_language(engine, kombo_backend, people):
    state = germans_page(engine, kombo_backend)
    await run(IntegrationsState.open_invite, state, "ATS")
    sent = []
    with respx.mock(assert_all_called=True) as kombo:
        kombo.post(f"{BASE}/connect/create-link").mock(side_effect=link_answer(sent))
        await run(IntegrationsState.invite, state, {"email": "carla@acme.test"})

    assert (sent[0]["language"], sent[0]["link_type"]) == ("de", "MAGIC_LINK")
    with Session(engine) as session:
        assert session.get(User, people.acme_admin.user_id).language == "de"


# -- a user who never chose a language -------------------------------------------------


def reading_in(state, accept_language: str) -> None:
    """The signed-in tab's connection, from a browser asking for `accept_language`."""
    headers = dict(state.router.headers.raw_headers)
    headers["accept-language"] = accept_language
    object.__setattr__(state, "router", RouterData.from_router_data({"headers": headers}))


async def test_a_user_who_never_chose_follows_the_browser_here_and_at_kombo(
    engine, kombo_backend, people
):
    assert language_of(engine, "admin@globex.test") is None
    state = page_state(engine, kombo_backend, "admin@globex.test")
    reading_in(state, "it-CH, it;q=0.9, en;q=0.5")
    await run(IntegrationsState.load, state)
    assert (state.language, state.text["page.title"]) == ("it", translate("it", "page.title"))

    sent = []
    with respx.mock(assert_all_called=True) as kombo:
        kombo.post(f"{BASE}/connect/create-link").mock(side_effect=link_answer(sent))
        await run(IntegrationsState.connect, state, "HRIS")

    assert sent[0]["language"] == "it"
    assert language_of(engine, "admin@globex.test") is None  # following is not choosing


async def test_a_stored_choice_wins_over_what_the_browser_asks_for(engine, backend, people):
    state = page_state(engine, backend, "admin@acme.test")  # Ada chose German
    reading_in(state, "fr-FR")

    await run(IntegrationsState.load, state)

    assert state.language == "de"
