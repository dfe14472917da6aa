"""Signing in and out from the page's state: the browser is sent on by a page-exit order
(a URL, a cookie to set first, and a new order id), never by a script to evaluate."""

from urllib.parse import parse_qs, urlsplit

import reflex as rx
from reflex.istate.data import RouterData

from kombo_portal.cookies import SIGN_IN_NONCE_COOKIE
from kombo_portal.state.auth import AuthState
from tests.state.test_handlers import run
from tests.support.accounts import PASSWORD


def fresh_tab() -> AuthState:
    root = rx.State(_reflex_internal_init=True)

    def find(state):
        if type(state) is AuthState:
            return state
        return next(filter(None, (find(sub) for sub in state.substates.values())), None)

    state = find(root)
    router = RouterData.from_router_data(
        {
            "pathname": "/sign-in",
            "query": {"next": "/settings/integrations"},
            "headers": {"host": "portal.test", "origin": "https://portal.test"},
        }
    )
    object.__setattr__(state, "router", router)
    return state


async def test_signing_in_orders_a_page_load_of_the_session_route_with_the_nonce(backend, people):
    state = fresh_tab()

    result = await run(AuthState.sign_in, state, {"email": "admin@acme.test", "password": PASSWORD})

    assert result is None  # no script for the browser to evaluate
    assert state.sign_in_error == ""
    url = urlsplit(state.exit_url)
    assert (url.scheme, url.netloc, url.path) == ("https", "portal.test", "/auth/session")
    assert parse_qs(url.query)["grant"][0]
    nonce = state.exit_cookie.split(";")[0].removeprefix(f"{SIGN_IN_NONCE_COOKIE}=")
    assert len(nonce) >= 24
    assert "path=/auth" in state.exit_cookie
    assert state.exit_method == ""  # a plain page load
    first_order = state.exit_order
    assert first_order

    await run(AuthState.sign_in, state, {"email": "admin@acme.test", "password": PASSWORD})

    assert state.exit_order != first_order  # each exit is a new order, followed once


async def test_a_refused_sign_in_orders_no_page_load(backend, people):
    state = fresh_tab()

    await run(AuthState.sign_in, state, {"email": "admin@acme.test", "password": "wrong"})

    assert state.sign_in_error
    assert (state.exit_url, state.exit_cookie, state.exit_order) == ("", "", "")


async def test_signing_out_orders_the_sign_out_route_back_to_this_sites_sign_in(backend):
    state = fresh_tab()

    await run(AuthState.sign_out, state)

    url = urlsplit(state.exit_url)
    assert (url.netloc, url.path) == ("portal.test", "/auth/sign-out")
    assert parse_qs(url.query)["to"] == ["https://portal.test/sign-in"]
    assert state.exit_cookie == ""
    assert state.exit_method == "post"  # a form post: a link or an image cannot sign out
    assert state.exit_order
