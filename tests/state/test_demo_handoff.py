"""The sign-in page's other ways in: the sandbox's demo hand-off button, and no password
form when PORTAL_PASSWORD_SIGN_IN=0 (its event refused all the same)."""

from urllib.parse import parse_qs, urlsplit

import pytest

from kombo_portal.backend import build_backend, install_backend
from kombo_portal.config import Settings
from kombo_portal.db.models import UserSession
from kombo_portal.db.transaction import transaction
from kombo_portal.i18n import translate
from kombo_portal.state.auth import AuthState
from tests.state.test_auth_state import fresh_tab
from tests.state.test_handlers import run
from tests.support.accounts import PASSWORD

HOST = "https://app.product.test"


@pytest.fixture
async def backend_with(engine):
    """A backend with the given settings, installed for the state handlers."""
    built = []

    def make(variables: dict[str, str]):
        backend = build_backend(
            Settings.from_environment(variables, env_file=None),
            lambda: engine,
            backend_url="http://t",
        )
        install_backend(backend)
        built.append(backend)
        return backend

    yield make
    for backend in built:
        await backend.kombo.aclose()


def sessions(engine) -> int:
    with transaction(engine) as session:
        return len(session.exec(UserSession.__table__.select()).all())


async def test_the_demo_button_sends_the_browser_through_the_stand_in_host(backend):
    state = fresh_tab()

    await run(AuthState.sign_in_through_demo_host, state)

    url = urlsplit(state.exit_url)
    assert (url.scheme, url.netloc, url.path) == ("https", "portal.test", "/auth/demo-host")
    assert parse_qs(url.query)["to"] == ["https://portal.test/settings/integrations"]
    assert state.exit_cookie == ""  # no nonce: the hand-off's token is the proof
    assert (state.exit_method, state.sign_in_error) == ("", "")


async def test_without_the_sandbox_hand_off_the_demo_button_does_nothing(backend_with):
    backend_with({"PORTAL_HANDOFF_SECRET": "x" * 40, "PORTAL_HANDOFF_ISSUER": HOST})
    state = fresh_tab()

    await run(AuthState.sign_in_through_demo_host, state)

    assert state.exit_url == ""
    assert state.sign_in_error == translate("en", "error.bad_request")


async def test_with_password_sign_in_off_the_form_event_signs_nobody_in(
    engine, backend_with, people
):
    backend_with({"PORTAL_PASSWORD_SIGN_IN": "0", "PORTAL_HOST_SIGN_IN_URL": f"{HOST}/login"})
    state = fresh_tab()
    before = sessions(engine)

    await run(AuthState.sign_in, state, {"email": "admin@acme.test", "password": PASSWORD})

    assert state.exit_url == ""
    assert state.sign_in_error == translate("en", "sign_in.password_off")
    assert sessions(engine) == before


async def test_with_password_sign_in_on_the_same_event_signs_in(engine, backend_with, people):
    backend_with({"PORTAL_HOST_SIGN_IN_URL": f"{HOST}/login"})
    state = fresh_tab()

    await run(AuthState.sign_in, state, {"email": "admin@acme.test", "password": PASSWORD})

    assert urlsplit(state.exit_url).path == "/auth/session"
    assert state.sign_in_error == ""


OIDC = {
    "PORTAL_OIDC_ISSUER": "https://id.product.test",
    "PORTAL_OIDC_CLIENT_ID": "kombo-portal",
    "PORTAL_OIDC_CLIENT_SECRET": "a-client-secret-of-the-portal",
}


async def test_the_oidc_button_sends_the_browser_to_the_start_route(backend_with):
    backend_with(OIDC)
    state = fresh_tab()

    await run(AuthState.sign_in_with_oidc, state)

    url = urlsplit(state.exit_url)
    assert (url.scheme, url.netloc, url.path) == ("https", "portal.test", "/auth/oidc/start")
    assert parse_qs(url.query)["to"] == ["https://portal.test/settings/integrations"]
    assert (state.exit_cookie, state.exit_method, state.sign_in_error) == ("", "", "")


async def test_without_oidc_its_event_does_nothing(backend):
    state = fresh_tab()

    await run(AuthState.sign_in_with_oidc, state)

    assert state.exit_url == ""
    assert state.sign_in_error == translate("en", "error.bad_request")
