"""How the app puts the parts together: the sandbox in sandbox mode, nothing of it otherwise."""

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from starlette.testclient import TestClient

from kombo_portal.api import create_backend_api
from kombo_portal.backend import build_backend
from kombo_portal.config import Settings
from kombo_portal.kombo import CreateLinkRequest
from kombo_portal.use_cases.accounts import prepare_demo_accounts

REAL_MODE = {
    "KOMBO_API_KEY": "ks_prod_abcdef",
    "KOMBO_WEBHOOK_SECRET": "whsec_real",
    "PORTAL_SECRET_KEY": "k" * 40,
}


async def test_sandbox_mode_talks_to_the_mounted_sandbox_in_process(engine):
    settings = Settings.from_environment({})
    backend = build_backend(settings, lambda: engine, backend_url="http://localhost:8000")

    link = await backend.kombo.create_link(
        CreateLinkRequest(end_user_email="admin@acme.test", end_user_organization_name="Acme")
    )
    await backend.kombo.aclose()

    assert link.startswith("http://localhost:8000/sandbox/kombo/connect?token=")
    token = link.rsplit("=", 1)[1]
    page = TestClient(create_backend_api(lambda: engine, sandbox=backend.sandbox)).get(
        f"/sandbox/kombo/connect?token={token}"
    )
    assert page.status_code == 200
    assert "Personio" in page.text


def test_sandbox_webhooks_go_to_the_portals_own_route_unless_configured(engine):
    default = build_backend(Settings.from_environment({}), lambda: engine, backend_url="http://h:1")
    configured = build_backend(
        Settings.from_environment({"KOMBO_SANDBOX_WEBHOOK_URL": "http://other:2/hook"}),
        lambda: engine,
        backend_url="http://h:1",
    )

    assert default.sandbox_config.webhooks.target_url == "http://h:1/webhooks/kombo"
    assert configured.sandbox_config.webhooks.target_url == "http://other:2/hook"


def test_real_mode_mounts_no_sandbox_and_calls_kombo(engine):
    backend = build_backend(
        Settings.from_environment(REAL_MODE), lambda: engine, backend_url="http://h:1"
    )
    client = TestClient(create_backend_api(lambda: engine, sandbox=backend.sandbox))

    assert backend.sandbox is None and backend.deliverer is None
    assert backend.kombo.base_url == "https://api.kombo.dev/v1"
    assert client.get("/sandbox/kombo/v1/check-api-key").status_code == 404
    assert client.get("/sandbox/kombo/connect").status_code == 404


async def test_demo_accounts_exist_in_sandbox_mode_and_are_locked_with_a_real_key(engine):
    from sqlmodel import Session

    from kombo_portal.records.accounts import (
        DEMO_ADMIN_EMAIL,
        DEMO_PASSWORD,
        SignInRefused,
        authenticate,
    )

    await prepare_demo_accounts(engine, sandbox_mode=True)
    with Session(engine) as session:
        assert authenticate(session, DEMO_ADMIN_EMAIL, DEMO_PASSWORD).email == DEMO_ADMIN_EMAIL

    await prepare_demo_accounts(engine, sandbox_mode=False)

    with Session(engine) as session, pytest.raises(SignInRefused):
        authenticate(session, DEMO_ADMIN_EMAIL, DEMO_PASSWORD)


def test_workers_starting_at_once_all_start_with_one_set_of_demo_accounts(database_url, engine):
    from sqlmodel import Session, func, select

    from kombo_portal.db.engine import create_database_engine
    from kombo_portal.db.models import Organisation

    engines = [create_database_engine(database_url) for _ in range(3)]
    barrier = threading.Barrier(len(engines))

    def start(worker_engine) -> None:
        barrier.wait()
        asyncio.run(prepare_demo_accounts(worker_engine, sandbox_mode=True))

    try:
        with ThreadPoolExecutor(max_workers=len(engines)) as pool:
            list(pool.map(start, engines))  # re-raises what any worker raised
    finally:
        for each in engines:
            each.dispose()
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Organisation)).one() == 1


@pytest.mark.parametrize(
    ("variables", "categories"),
    [
        ({}, set()),
        ({"KOMBO_ENABLE_FILTERING": "1"}, {"HRIS"}),  # Kombo filters HRIS data only
        ({"KOMBO_ENABLE_FIELD_MAPPING": "1"}, {"HRIS", "ATS", "LMS", "ASSESSMENT"}),
    ],
)
def test_the_categories_with_setup_steps_follow_the_settings(engine, variables, categories):
    backend = build_backend(
        Settings.from_environment(variables, env_file=None), lambda: engine, backend_url="http://t"
    )

    assert backend.setup_categories == categories
