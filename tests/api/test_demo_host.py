"""Sandbox mode's stand-in host product: its hand-off signs the demo admin in the way a
real host's would, with the sandbox's published secret; real mode has none of it."""

import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from sqlmodel import Session, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from kombo_portal.api.demo_host import demo_host_route
from kombo_portal.api.handoff import handoff_route
from kombo_portal.config import Settings
from kombo_portal.config.sandbox import SANDBOX_HANDOFF_ISSUER, SANDBOX_HANDOFF_SECRET
from kombo_portal.cookies import SESSION_COOKIE
from kombo_portal.db.models import User
from kombo_portal.db.transaction import transaction
from kombo_portal.records.accounts import (
    DEMO_ADMIN_EMAIL,
    DEMO_MEMBER_EMAIL,
    DEMO_PASSWORD,
    authenticate,
)
from kombo_portal.records.sessions import resolve_session
from kombo_portal.use_cases.accounts import prepare_demo_accounts
from kombo_portal.use_cases.handoff import HandoffRefused, check_token, make_token

SANDBOX = Settings.from_environment({}, env_file=None)
REAL_MODE = {
    "KOMBO_API_KEY": "ks_prod_abcdef",
    "KOMBO_WEBHOOK_SECRET": "whsec_real",
    "PORTAL_SECRET_KEY": "k" * 40,
}
OWN_SECRET = {"PORTAL_HANDOFF_SECRET": "o" * 40, "PORTAL_HANDOFF_ISSUER": "https://app.test"}


def client_for(engine, settings: Settings) -> TestClient:
    routes = [handoff_route(lambda: engine, lambda: settings), demo_host_route(lambda: settings)]
    return TestClient(Starlette(routes=routes), follow_redirects=False)


@pytest.fixture
async def demo(engine):
    await prepare_demo_accounts(engine, sandbox_mode=True, demo_issuer=SANDBOX_HANDOFF_ISSUER)


def user_of(engine, response) -> User | None:
    cookie = response.cookies.get(SESSION_COOKIE, "")
    with transaction(engine) as session:
        return resolve_session(session, cookie, SANDBOX.security.secret_key)


def test_sandbox_mode_hands_off_with_its_published_secret_unless_keys_are_set():
    assert (SANDBOX.handoff.secret, SANDBOX.handoff.issuer) == (
        SANDBOX_HANDOFF_SECRET,
        SANDBOX_HANDOFF_ISSUER,
    )
    assert SANDBOX.demo_handoff
    own = Settings.from_environment(OWN_SECRET, env_file=None)
    assert (own.handoff.secret, own.demo_handoff) == ("o" * 40, False)
    real = Settings.from_environment(REAL_MODE, env_file=None)
    assert (real.handoff.enabled, real.demo_handoff) == (False, False)
    # An issuer alone is the operator's own (unfinished) set-up, not the sandbox's.
    issuer_only = Settings.from_environment({"PORTAL_HANDOFF_ISSUER": "https://app.test"})
    assert (issuer_only.handoff.enabled, issuer_only.demo_handoff) == (False, False)


async def test_the_demo_host_signs_in_the_demo_admin_through_the_hand_off(engine, demo):
    client = client_for(engine, SANDBOX)

    sent = client.get(
        "/auth/demo-host", params={"to": "http://testserver:3000/settings/integrations"}
    )

    assert sent.status_code == 303
    location = urlsplit(sent.headers["location"])
    assert location.path == "/auth/handoff"
    query = parse_qs(location.query)
    assert query["to"] == ["http://testserver:3000/settings/integrations"]
    claims = jwt.decode(query["token"][0], options={"verify_signature": False})
    assert (claims["iss"], claims["sub"], claims["role"]) == ("sandbox-host", "demo-admin", "admin")
    arrived = client.get(sent.headers["location"])
    # On to the page on this host's other port (development's pages).
    assert arrived.headers["location"] == "http://testserver:3000/settings/integrations"
    user = user_of(engine, arrived)
    assert user is not None
    with transaction(engine) as session:
        # The same account the demo password signs in: no second demo admin.
        assert user.user_id == authenticate(session, DEMO_ADMIN_EMAIL, DEMO_PASSWORD).id
        assert len(session.exec(select(User)).all()) == 2


async def test_the_hand_off_goes_on_only_to_this_host(engine, demo):
    client = client_for(engine, SANDBOX)

    for to in ("https://evil.test/settings", "//evil.test/", "http://testserver@evil.test/"):
        sent = client.get("/auth/demo-host", params={"to": to})
        arrived = client.get(sent.headers["location"])
        assert arrived.headers["location"] == "/settings/integrations", to


async def test_the_sandbox_hand_off_checks_signatures_like_any_other(engine, demo):
    client = client_for(engine, SANDBOX)
    forged = make_token(
        Settings.from_environment(
            {"PORTAL_HANDOFF_SECRET": "f" * 40, "PORTAL_HANDOFF_ISSUER": SANDBOX_HANDOFF_ISSUER},
            env_file=None,
        ).handoff,
        subject="demo-admin",
        email=DEMO_ADMIN_EMAIL,
        organisation_id="demo-company",
        organisation_name="Demo Company",
        role="admin",
    )

    refused = client.get("/auth/handoff", params={"token": forged})

    assert refused.status_code == 400
    assert SESSION_COOKIE not in refused.cookies


@pytest.mark.parametrize("variables", [REAL_MODE, OWN_SECRET], ids=["real-mode", "own-secret"])
def test_the_demo_host_is_not_there_outside_the_sandbox_hand_off(engine, variables):
    settings = Settings.from_environment(variables, env_file=None)

    assert client_for(engine, settings).get("/auth/demo-host").status_code == 404


async def test_real_mode_unlinks_the_demo_accounts_from_the_sandbox_host(engine, demo):
    demo_admin = make_token(
        SANDBOX.handoff,
        subject="demo-admin",
        email=DEMO_ADMIN_EMAIL,
        organisation_id="demo-company",
        organisation_name="Demo Company",
        role="admin",
    )
    with transaction(engine) as session:
        linked = session.exec(select(User).where(User.email == DEMO_MEMBER_EMAIL)).one()
        assert (linked.external_issuer, linked.external_subject) == ("sandbox-host", "demo-member")

    await prepare_demo_accounts(engine, sandbox_mode=False)

    with transaction(engine) as session:
        users = session.exec(select(User)).all()
        assert {(user.external_issuer, user.external_subject) for user in users} == {(None, None)}
    # Were that secret set as the operator's own, it would find no demo account to sign in
    # as, and the taken email stops it from making another.
    with pytest.raises(HandoffRefused):
        check_token(demo_admin, Settings.from_environment(REAL_MODE | OWN_SECRET).handoff)


def test_workers_starting_at_once_link_the_demo_accounts_once(database_url, engine):
    from kombo_portal.db.engine import create_database_engine

    engines = [create_database_engine(database_url) for _ in range(3)]
    barrier = threading.Barrier(len(engines))

    def start(worker_engine) -> None:
        import asyncio

        barrier.wait()
        asyncio.run(
            prepare_demo_accounts(
                worker_engine, sandbox_mode=True, demo_issuer=SANDBOX_HANDOFF_ISSUER
            )
        )

    try:
        with ThreadPoolExecutor(max_workers=len(engines)) as pool:
            list(pool.map(start, engines))
    finally:
        for each in engines:
            each.dispose()
    with Session(engine) as session:
        subjects = sorted(user.external_subject or "" for user in session.exec(select(User)))
    assert subjects == ["demo-admin", "demo-member"]
