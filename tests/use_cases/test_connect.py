"""The backend half of the embedded flow, against the sandbox (and respx for Kombo failures)."""

import asyncio
import json
import threading
import time
from datetime import timedelta

import httpx
import pytest
import respx
from sqlmodel import Session, select

from kombo_portal.db.models import ConnectAttempt, Integration, utc_now
from kombo_portal.db.transaction import transaction
from kombo_portal.kombo import KomboClient, KomboError, RetryPolicy
from kombo_portal.problems import Problem
from kombo_portal.records.integrations import IntegrationFacts, record_integration
from kombo_portal.records.webhook_events import parse_event
from kombo_portal.sandbox.models import SandboxActivationToken, SandboxLink
from kombo_portal.use_cases import connect as connect_service
from kombo_portal.use_cases.connect import (
    ConnectOptions,
    abandon_connect,
    finish_connect,
    start_connect,
)
from kombo_portal.use_cases.webhooks import receive_event
from tests.sandbox.conftest import complete_flow, link_token

OPTIONS = ConnectOptions(categories=("HRIS", "ATS"))


def attempts(engine) -> list[ConnectAttempt]:
    with Session(engine) as session:
        return list(session.exec(select(ConnectAttempt).order_by(ConnectAttempt.started_at)))


def integrations(engine) -> list[Integration]:
    with Session(engine) as session:
        return list(session.exec(select(Integration)))


async def test_an_admin_connects_and_the_integration_is_recorded(engine, kombo, control, people):
    admin = people.acme_admin
    started = await start_connect(engine, kombo, admin, "HRIS", OPTIONS)

    with Session(engine) as session:
        link = session.get(SandboxLink, link_token(started.link))
    assert link.end_user_email == "admin@acme.test"
    assert link.end_user_organization_name == "Acme Inc."
    assert link.end_user_origin_id == admin.organisation_id
    assert link.category == "HRIS"
    assert link.language == "de", "the flow speaks the user's language"

    token = complete_flow(control, started.link, tool="personio")
    integration = await finish_connect(engine, kombo, admin, started.attempt_id, token)

    assert integration.organisation_id == admin.organisation_id
    assert integration.category == "HRIS"
    assert (integration.tool_id, integration.tool_label) == ("personio", "Personio")
    assert integration.tool_logo_url.endswith("/assets/tools/personio.svg")
    assert (integration.state, integration.setup_status) == ("ACTIVE", "COMPLETED")
    assert integration.connected_by_user_id == admin.user_id
    [attempt] = attempts(engine)
    assert (attempt.outcome, attempt.kombo_integration_id) == (
        "connected",
        integration.kombo_integration_id,
    )
    assert attempt.user_id == admin.user_id and attempt.finished_at is not None


async def test_a_member_is_refused_and_no_link_is_made(engine, kombo, people):
    with pytest.raises(Problem) as refused:
        await start_connect(engine, kombo, people.acme_member, "HRIS", OPTIONS)

    assert refused.value.message == "Only admins can connect systems."
    with Session(engine) as session:
        assert session.exec(select(SandboxLink)).all() == []
    [attempt] = attempts(engine)
    assert attempt.outcome == "refused"


async def test_a_category_not_offered_is_refused(engine, kombo, people):
    with pytest.raises(Problem) as refused:
        await start_connect(engine, kombo, people.acme_admin, "LMS", OPTIONS)

    assert refused.value.message == "LMS cannot be connected here."
    assert [attempt.outcome for attempt in attempts(engine)] == ["refused"]
    with Session(engine) as session:
        assert session.exec(select(SandboxLink)).all() == []


async def test_a_second_connect_of_a_connected_category_is_refused(engine, kombo, control, people):
    admin = people.acme_admin
    started = await start_connect(engine, kombo, admin, "HRIS", OPTIONS)
    await finish_connect(
        engine, kombo, admin, started.attempt_id, complete_flow(control, started.link)
    )

    with pytest.raises(Problem) as refused:
        await start_connect(engine, kombo, admin, "HRIS", OPTIONS)

    assert refused.value.message == "HRIS is already connected."
    assert (await start_connect(engine, kombo, admin, "ATS", OPTIONS)).link
    assert (await start_connect(engine, kombo, people.globex_admin, "HRIS", OPTIONS)).link


async def test_a_token_of_another_organisation_is_refused_and_nothing_stored(
    engine, kombo, control, people
):
    theirs = await start_connect(engine, kombo, people.globex_admin, "HRIS", OPTIONS)
    their_token = complete_flow(control, theirs.link)
    ours = await start_connect(engine, kombo, people.acme_admin, "HRIS", OPTIONS)

    with pytest.raises(Problem) as refused:
        await finish_connect(engine, kombo, people.acme_admin, ours.attempt_id, their_token)

    assert "another organisation" in refused.value.message
    assert integrations(engine) == []
    recorded = {attempt.id: attempt for attempt in attempts(engine)}
    assert recorded[ours.attempt_id].outcome == "refused"
    assert "another organisation" in recorded[ours.attempt_id].detail


async def test_an_attempt_of_another_user_cannot_be_finished(engine, kombo, control, people):
    theirs = await start_connect(engine, kombo, people.globex_admin, "HRIS", OPTIONS)
    token = complete_flow(control, theirs.link)

    with pytest.raises(Problem):
        await finish_connect(engine, kombo, people.acme_admin, theirs.attempt_id, token)

    assert integrations(engine) == []
    recorded = {attempt.id: attempt for attempt in attempts(engine)}
    assert recorded.pop(theirs.attempt_id).outcome == "started", "theirs is left alone"
    [refusal] = recorded.values()
    assert (refusal.outcome, refusal.organisation_id, refusal.user_id) == (
        "refused",
        people.acme_admin.organisation_id,
        people.acme_admin.user_id,
    )
    # Never exchanged: the token still finishes the flow it came from.
    finished = await finish_connect(engine, kombo, people.globex_admin, theirs.attempt_id, token)
    assert finished.organisation_id == people.globex_admin.organisation_id


async def test_an_expired_token_is_refused_and_nothing_stored(engine, kombo, control, people):
    admin = people.acme_admin
    started = await start_connect(engine, kombo, admin, "HRIS", OPTIONS)
    token = complete_flow(control, started.link)
    with Session(engine) as session:
        stored = session.get(SandboxActivationToken, token)
        stored.expires_at = utc_now() - timedelta(seconds=1)
        session.add(stored)
        session.commit()

    with pytest.raises(Problem) as refused:
        await finish_connect(engine, kombo, admin, started.attempt_id, token)

    assert "could not be confirmed" in refused.value.message
    assert integrations(engine) == []
    assert attempts(engine)[0].outcome == "failed"


async def test_activating_the_same_token_twice_records_one_integration(
    engine, kombo, control, people
):
    admin = people.acme_admin
    started = await start_connect(engine, kombo, admin, "HRIS", OPTIONS)
    token = complete_flow(control, started.link)
    await finish_connect(engine, kombo, admin, started.attempt_id, token)

    with pytest.raises(Problem) as again:
        await finish_connect(engine, kombo, admin, started.attempt_id, token)

    assert again.value.message == "This connection has already been completed."
    assert len(integrations(engine)) == 1


async def test_a_kombo_error_on_create_link_becomes_a_short_message(engine, people):
    with respx.mock(base_url="https://kombo.test/v1") as kombo_api:
        kombo_api.post("/connect/create-link").mock(
            return_value=httpx.Response(
                503,
                json={
                    "status": "error",
                    "error": {
                        "code": None,
                        "title": None,
                        "message": "Service unavailable",
                        "log_url": "https://app.kombo.dev/logs/9",
                    },
                },
            )
        )
        async with KomboClient(
            "https://kombo.test/v1", "ks_key", retry=RetryPolicy(max_attempts=1)
        ) as failing:
            with pytest.raises(Problem) as failed:
                await start_connect(engine, failing, people.acme_admin, "HRIS", OPTIONS)

    assert failed.value.message == (
        "Kombo had a problem starting the connection. Try again in a moment."
    )
    assert failed.value.log_url == "https://app.kombo.dev/logs/9"
    [attempt] = attempts(engine)
    assert attempt.outcome == "link_failed"


async def test_a_cancelled_flow_is_recorded_and_stores_nothing(engine, kombo, people):
    admin = people.acme_admin
    started = await start_connect(engine, kombo, admin, "HRIS", OPTIONS)

    await abandon_connect(
        engine, admin, started.attempt_id, "cancelled", "KomboConnectCancelledError"
    )

    assert integrations(engine) == []
    assert attempts(engine)[0].outcome == "cancelled"


async def test_a_token_reused_for_a_second_attempt_is_refused_by_kombo(
    engine, kombo, control, people
):
    admin = people.acme_admin
    first = await start_connect(engine, kombo, admin, "HRIS", OPTIONS)
    token = complete_flow(control, first.link)
    await finish_connect(engine, kombo, admin, first.attempt_id, token)
    with Session(engine) as session:
        # Free the category so only the token's single use can stop the replay.
        session.exec(select(Integration)).one().removed_at = utc_now()
        session.commit()
    second = await start_connect(engine, kombo, admin, "HRIS", OPTIONS)

    with pytest.raises(Problem) as replay:
        await finish_connect(engine, kombo, admin, second.attempt_id, token)

    assert "could not be confirmed" in replay.value.message
    assert len(integrations(engine)) == 1


async def test_two_tabs_connecting_the_same_category_end_with_one_integration(
    engine, kombo, control, people
):
    admin = people.acme_admin
    first = await start_connect(engine, kombo, admin, "HRIS", OPTIONS)
    second = await start_connect(engine, kombo, admin, "HRIS", OPTIONS)
    first_token = complete_flow(control, first.link, tool="personio")
    second_token = complete_flow(control, second.link, tool="hibob")

    kept = await finish_connect(engine, kombo, admin, first.attempt_id, first_token)
    with pytest.raises(Problem) as refused:
        await finish_connect(engine, kombo, admin, second.attempt_id, second_token)

    assert refused.value.message == "HRIS is already connected."
    live = [record for record in integrations(engine) if record.removed_at is None]
    assert [record.kombo_integration_id for record in live] == [kept.kombo_integration_id]
    hibob = control.get("/control/webhooks").json()["data"]["deliveries"]
    assert any(d["type"] == "integration-deleted" for d in hibob), "Kombo's duplicate removed"


async def test_the_flows_own_webhook_landing_mid_way_is_not_taken_for_a_duplicate(
    engine, kombo, control, people, monkeypatch
):
    """Kombo's integration-created for this very integration commits while the portal
    records it from the activation token: after the portal looked the integration up,
    before it checked the category for another live one. It must be recognised as the
    same integration, not refused as a second one (and deleted at Kombo)."""
    admin = people.acme_admin
    started = await start_connect(engine, kombo, admin, "HRIS", OPTIONS)
    token = complete_flow(control, started.link, tool="personio")
    with Session(engine) as session:
        kombo_integration_id = session.get(SandboxActivationToken, token).integration_id

    recorded, commit_now = threading.Event(), threading.Event()

    def webhook_records_it() -> None:
        with transaction(engine) as session:
            record_integration(
                session,
                IntegrationFacts(
                    kombo_integration_id=kombo_integration_id,
                    organisation_id=admin.organisation_id,
                    category="HRIS",
                    tool_id="personio",
                ),
            )
            recorded.set()
            # Until the portal's check below; or, where the portal waits for this
            # transaction before its look-up (as it should), a moment.
            commit_now.wait(timeout=2)

    webhook = threading.Thread(target=webhook_records_it)
    webhook.start()
    assert recorded.wait(timeout=10)
    real_check = connect_service.has_live_integration

    def check_after_the_webhook_committed(*args, **kwargs):
        commit_now.set()
        webhook.join(timeout=10)
        return real_check(*args, **kwargs)

    monkeypatch.setattr(connect_service, "has_live_integration", check_after_the_webhook_committed)
    try:
        integration = await finish_connect(engine, kombo, admin, started.attempt_id, token)
    finally:
        commit_now.set()
        webhook.join(timeout=10)

    assert integration.kombo_integration_id == kombo_integration_id
    assert integration.connected_by_user_id == admin.user_id
    assert [record.kombo_integration_id for record in integrations(engine)] == [
        kombo_integration_id
    ]
    assert [attempt.outcome for attempt in attempts(engine)] == ["connected"]
    assert (await kombo.get_integration(kombo_integration_id)).id == kombo_integration_id


async def test_two_tabs_finishing_the_same_category_at_once_record_one(
    engine, kombo, control, people, monkeypatch
):
    """Both flows made an integration; the second to be recorded must see the first
    (not both pass the "already connected?" check while neither has committed)."""
    admin = people.acme_admin
    flows = []
    for tool in ("personio", "hibob"):
        started = await start_connect(engine, kombo, admin, "HRIS", OPTIONS)
        flows.append((started.attempt_id, complete_flow(control, started.link, tool=tool)))
    real_look_up, real_check = (
        connect_service.find_by_kombo_id,
        connect_service.has_live_integration,
    )
    looked_up: list[str] = []
    both_looked_up = threading.Event()

    def look_up(session, kombo_integration_id):
        looked_up.append(kombo_integration_id)
        if len(looked_up) == 2:
            both_looked_up.set()
        return real_look_up(session, kombo_integration_id)

    def check_then_linger(*args, **kwargs):
        found = real_check(*args, **kwargs)
        # The first tab's transaction stays open until the second tab's is under way.
        if both_looked_up.wait(timeout=2):
            time.sleep(0.3)
        return found

    monkeypatch.setattr(connect_service, "find_by_kombo_id", look_up)
    monkeypatch.setattr(connect_service, "has_live_integration", check_then_linger)

    outcomes = await asyncio.gather(
        *(finish_connect(engine, kombo, admin, attempt, token) for attempt, token in flows),
        return_exceptions=True,
    )

    recorded = [outcome for outcome in outcomes if isinstance(outcome, Integration)]
    refused = [outcome for outcome in outcomes if isinstance(outcome, Problem)]
    assert (len(recorded), len(refused)) == (1, 1), outcomes
    assert str(refused[0]) == "HRIS is already connected."
    live = [record.id for record in integrations(engine) if record.removed_at is None]
    assert live == [recorded[0].id]
    # The refused one is kept as removed, so its webhook cannot bring it back live.
    assert len(integrations(engine)) == 2
    assert sorted(attempt.outcome for attempt in attempts(engine)) == ["connected", "refused"]


async def test_a_flow_finishing_second_is_refused_even_when_its_webhook_recorded_it_first(
    engine, kombo, control, people
):
    """Two tabs connect HRIS. The second tab's flow is recorded first; then the first
    tab's integration arrives by its integration-created webhook, then by its token:
    it is a second HRIS, refused and removed, though the portal already knew it."""
    admin = people.acme_admin
    first = await start_connect(engine, kombo, admin, "HRIS", OPTIONS)
    second = await start_connect(engine, kombo, admin, "HRIS", OPTIONS)
    first_token = complete_flow(control, first.link, tool="personio")
    second_token = complete_flow(control, second.link, tool="hibob")
    kept = await finish_connect(engine, kombo, admin, second.attempt_id, second_token)
    duplicate_id = activation_integration_id(engine, first_token)
    await deliver_created(engine, duplicate_id, "personio", admin.organisation_id)

    with pytest.raises(Problem) as refused:
        await finish_connect(engine, kombo, admin, first.attempt_id, first_token)

    assert str(refused.value) == "HRIS is already connected."
    live = [record for record in integrations(engine) if record.removed_at is None]
    assert [record.kombo_integration_id for record in live] == [kept.kombo_integration_id]
    [duplicate] = [r for r in integrations(engine) if r.kombo_integration_id == duplicate_id]
    assert duplicate.removed_at is not None
    assert sorted(attempt.outcome for attempt in attempts(engine)) == ["connected", "refused"]
    with pytest.raises(KomboError):
        await kombo.get_integration(duplicate_id)


async def test_a_refused_flow_whose_webhook_comes_later_does_not_refuse_the_first_in_turn(
    engine, kombo, control, people
):
    """Tab 2's integration is known (by its webhook) before tab 1's token is refused as
    a second HRIS. Tab 1's webhook comes after that, and tab 2's token after it: tab 2
    must still connect, not be refused because tab 1's came back as a live record."""
    admin = people.acme_admin
    first = await start_connect(engine, kombo, admin, "HRIS", OPTIONS)
    second = await start_connect(engine, kombo, admin, "HRIS", OPTIONS)
    first_token = complete_flow(control, first.link, tool="personio")
    second_token = complete_flow(control, second.link, tool="hibob")
    first_id, second_id = (
        activation_integration_id(engine, token) for token in (first_token, second_token)
    )
    await deliver_created(engine, second_id, "hibob", admin.organisation_id)

    with pytest.raises(Problem):
        await finish_connect(engine, kombo, admin, first.attempt_id, first_token)
    await deliver_created(engine, first_id, "personio", admin.organisation_id)
    kept = await finish_connect(engine, kombo, admin, second.attempt_id, second_token)

    assert kept.kombo_integration_id == second_id
    live = [record.kombo_integration_id for record in integrations(engine) if not record.removed_at]
    assert live == [second_id]
    assert sorted(attempt.outcome for attempt in attempts(engine)) == ["connected", "refused"]


def activation_integration_id(engine, token: str) -> str:
    with Session(engine) as session:
        return session.get(SandboxActivationToken, token).integration_id


async def deliver_created(
    engine, kombo_integration_id: str, tool: str, organisation_id: str
) -> None:
    data = {
        "id": kombo_integration_id,
        "tool": tool,
        "category": "HRIS",
        "end_user": {"origin_id": organisation_id, "creator_email": None},
    }
    body = {"id": f"evt_{kombo_integration_id}", "type": "integration-created", "data": data}
    await receive_event(engine, parse_event(json.dumps(body).encode()))
