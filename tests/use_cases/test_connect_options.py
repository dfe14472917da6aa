"""The deployment's Connect choices reach Kombo the same way whichever door they take:
a direct connection, an invitation, a reconnection; static IPs are kept for the card."""

from __future__ import annotations

import json

import httpx
import pytest
import respx
from sqlmodel import Session, select

from kombo_portal.db.models import ConnectAttempt
from kombo_portal.db.transaction import transaction
from kombo_portal.kombo import KomboClient, LinkType
from kombo_portal.problems import Problem
from kombo_portal.records.integrations import IntegrationFacts, record_integration
from kombo_portal.records.overview import overview
from kombo_portal.use_cases import lifecycle
from kombo_portal.use_cases.connect import ConnectOptions, start_connect
from kombo_portal.use_cases.invitations import invite_colleague

BASE = "https://kombo.test/v1"
INTEGRATION_ID = "personio:CBNMt7dSNCzBdnRTx87dev4E"
EVERYTHING = ConnectOptions(
    categories=("HRIS", "ATS"),
    tools={"HRIS": "personio"},
    scope_config_id="scope_1",
    enable_filtering=True,
    enable_field_mapping=True,
    enable_static_ips=True,
    remote_environment="test-tenant",
)
LINK = {"link": "https://connect.kombo.dev/v1?token=abc"}


@pytest.fixture
def database_url(tmp_path) -> str:
    # Only what is sent to Kombo differs here: one database kind is enough.
    return f"sqlite:///{tmp_path / 'portal.db'}"


@pytest.fixture
def kombo_api():
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        yield router


def success(data: dict) -> httpx.Response:
    return httpx.Response(200, json={"status": "success", "data": data})


def sent(route: respx.Route) -> dict:
    return json.loads(route.calls.last.request.content)


def test_an_invitation_asks_for_the_same_setup_as_a_direct_connection(admin):
    direct = EVERYTHING.link_request(admin, "HRIS")
    invited = EVERYTHING.link_request(
        admin, "HRIS", email="colleague@acme.test", link_type=LinkType.MAGIC_LINK
    )

    differences = {
        name
        for name in type(direct).model_fields
        if getattr(direct, name) != getattr(invited, name)
    }
    assert differences == {"end_user_email", "link_type"}
    assert invited.enable_filtering and invited.enable_field_mapping and invited.enable_static_ips
    assert invited.remote_environment == "test-tenant"


def test_filtering_is_asked_for_hr_systems_only_and_a_remote_environment_only_with_a_tool(admin):
    recruiting = EVERYTHING.link_request(admin, "ATS")

    assert recruiting.enable_filtering is False
    assert recruiting.enable_field_mapping is True
    assert recruiting.integration_tool is None
    assert recruiting.remote_environment is None


@pytest.mark.parametrize(
    ("options", "category", "expected"),
    [
        (ConnectOptions(), "HRIS", False),
        (ConnectOptions(enable_filtering=True), "HRIS", True),
        (ConnectOptions(enable_filtering=True), "ATS", False),
        (ConnectOptions(enable_field_mapping=True), "ATS", True),
    ],
)
def test_setup_steps_follow_the_flags_kombo_applies_to_the_category(options, category, expected):
    assert options.has_setup_steps(category) is expected


async def test_static_ips_come_back_with_the_link_and_stay_with_the_attempt(
    engine, admin, kombo_api
):
    route = kombo_api.post("/connect/create-link").mock(
        return_value=success({**LINK, "static_ips": ["203.0.113.7", "203.0.113.8"]})
    )
    async with KomboClient(BASE, "ks_test_key") as kombo:
        started = await start_connect(engine, kombo, admin, "HRIS", EVERYTHING)

    assert started.static_ips == ("203.0.113.7", "203.0.113.8")
    assert sent(route)["enable_static_ips"] is True
    assert sent(route)["remote_environment"] == "test-tenant"
    with Session(engine) as session:
        attempt = session.get(ConnectAttempt, started.attempt_id)
        assert attempt is not None
        assert attempt.static_ips == "203.0.113.7 203.0.113.8"
        assert overview(session, admin.organisation_id).static_ips == {
            "HRIS": ("203.0.113.7", "203.0.113.8")
        }


async def test_the_card_shows_the_addresses_of_the_latest_link_that_had_some(
    engine, admin, kombo_api
):
    route = kombo_api.post("/connect/create-link")
    async with KomboClient(BASE, "ks_test_key") as kombo:
        for addresses in (["203.0.113.1"], ["203.0.113.2"], None):
            route.mock(return_value=success({**LINK, "static_ips": addresses}))
            await start_connect(engine, kombo, admin, "HRIS", EVERYTHING)
            await start_connect(engine, kombo, admin, "ATS", EVERYTHING)

    with Session(engine) as session:
        shown = overview(session, admin.organisation_id).static_ips
    assert shown == {"HRIS": ("203.0.113.2",), "ATS": ("203.0.113.2",)}


async def test_an_invitation_sends_the_setup_flags_kombo_would_get_from_a_direct_connection(
    engine, admin, kombo_api
):
    route = kombo_api.post("/connect/create-link").mock(return_value=success(LINK))
    async with KomboClient(BASE, "ks_test_key") as kombo:
        await invite_colleague(engine, kombo, admin, "HRIS", "colleague@acme.test", EVERYTHING)

    body = sent(route)
    assert body["link_type"] == "MAGIC_LINK"
    assert body["end_user_email"] == "colleague@acme.test"
    assert (body["enable_filtering"], body["enable_field_mapping"]) == (True, True)
    assert body["scope_config_id"] == "scope_1"


def recorded(engine, admin, setup_status: str, category: str = "HRIS") -> str:
    with transaction(engine) as session:
        record = record_integration(
            session,
            IntegrationFacts(
                kombo_integration_id=INTEGRATION_ID,
                organisation_id=admin.organisation_id,
                category=category,
                tool_id="personio",
                tool_label="Personio",
                setup_status=setup_status,
            ),
        )
    return record.id


async def test_a_reconnection_moves_the_integration_to_the_configured_scope_config(
    engine, admin, kombo_api
):
    route = kombo_api.post(f"/integrations/{INTEGRATION_ID}/relink").mock(
        return_value=success(LINK)
    )
    record_id = recorded(engine, admin, "COMPLETED")
    async with KomboClient(BASE, "ks_test_key") as kombo:
        await lifecycle.start_repair(
            engine, kombo, admin, record_id, lifecycle.Repair.RECONNECT, EVERYTHING
        )

    assert sent(route)["scope_config_id"] == "scope_1"


async def test_a_completed_setup_can_be_changed_when_the_deployment_has_setup_steps(
    engine, admin, kombo_api
):
    route = kombo_api.post(f"/integrations/{INTEGRATION_ID}/setup-link").mock(
        return_value=success(LINK)
    )
    record_id = recorded(engine, admin, "COMPLETED")
    async with KomboClient(BASE, "ks_test_key") as kombo:
        started = await lifecycle.start_repair(
            engine, kombo, admin, record_id, lifecycle.Repair.SETUP, EVERYTHING
        )

    assert started.link == LINK["link"]
    assert route.called


async def test_a_completed_setup_without_setup_steps_is_refused_before_asking_kombo(
    engine, admin, kombo_api
):
    route = kombo_api.post(f"/integrations/{INTEGRATION_ID}/setup-link").mock(
        return_value=success(LINK)
    )
    record_id = recorded(engine, admin, "COMPLETED", category="ATS")
    async with KomboClient(BASE, "ks_test_key") as kombo:
        with pytest.raises(Problem) as refused:
            await lifecycle.start_repair(
                engine,
                kombo,
                admin,
                record_id,
                lifecycle.Repair.SETUP,
                ConnectOptions(enable_filtering=True),  # filtering is for HR systems only
            )

    assert refused.value.message == "This integration has no setup steps to finish or change."
    assert not route.called
    with Session(engine) as session:
        outcomes = session.exec(select(ConnectAttempt.action, ConnectAttempt.outcome)).all()
    assert list(outcomes) == [("setup", "refused")]


async def test_an_invitations_static_ips_are_on_the_card_too(engine, admin, kombo_api):
    # The colleague connects through the magic link; the admin's card must still list
    # the addresses for the firewall.
    kombo_api.post("/connect/create-link").mock(
        return_value=success({**LINK, "static_ips": ["203.0.113.9"]})
    )
    async with KomboClient(BASE, "ks_test_key") as kombo:
        await invite_colleague(engine, kombo, admin, "ATS", "colleague@acme.test", EVERYTHING)

    with Session(engine) as session:
        assert overview(session, admin.organisation_id).static_ips == {"ATS": ("203.0.113.9",)}
