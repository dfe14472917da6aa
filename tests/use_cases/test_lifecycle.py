"""Reconnect, finish setup, enable/disable and disconnect, against the sandbox."""

import httpx
import pytest
import respx
from sqlmodel import Session, select

from kombo_portal.db.models import ConnectAttempt, Integration
from kombo_portal.kombo import KomboClient, RetryPolicy
from kombo_portal.problems import Problem
from kombo_portal.use_cases.connect import (
    ConnectOptions,
    finish_connect,
    start_connect,
)
from kombo_portal.use_cases.lifecycle import disconnect, set_enabled, start_repair
from tests.sandbox.conftest import complete_flow

OPTIONS = ConnectOptions(categories=("HRIS", "ATS"))


async def connected(engine, kombo, control, user, category="HRIS") -> Integration:
    started = await start_connect(engine, kombo, user, category, OPTIONS)
    token = complete_flow(control, started.link)
    return await finish_connect(engine, kombo, user, started.attempt_id, token)


def record(engine, integration_id) -> Integration:
    with Session(engine) as session:
        return session.get(Integration, integration_id)


def audit(engine) -> list[tuple[str, str]]:
    with Session(engine) as session:
        rows = session.exec(select(ConnectAttempt).order_by(ConnectAttempt.started_at)).all()
        return [(row.action, row.outcome) for row in rows]


async def test_reconnect_repairs_an_invalid_integration_in_place(engine, kombo, control, people):
    admin = people.acme_admin
    integration = await connected(engine, kombo, control, admin)
    control.post(
        f"/control/integrations/{integration.kombo_integration_id}/state", json={"state": "INVALID"}
    )

    started = await start_repair(engine, kombo, admin, integration.id, "reconnect", OPTIONS)
    token = complete_flow(control, started.link)
    repaired = await finish_connect(engine, kombo, admin, started.attempt_id, token)

    assert repaired.id == integration.id
    assert repaired.kombo_integration_id == integration.kombo_integration_id
    assert repaired.state == "ACTIVE"
    with Session(engine) as session:
        assert len(session.exec(select(Integration)).all()) == 1
    assert audit(engine)[-1] == ("reconnect", "connected")


async def test_finish_setup_completes_an_incomplete_setup(engine, kombo, control, people):
    admin = people.acme_admin
    integration = await connected(engine, kombo, control, admin)
    control.post(
        f"/control/integrations/{integration.kombo_integration_id}/state",
        json={"setup_status": "INCOMPLETE", "enable_field_mapping": True},
    )
    with Session(engine) as session:
        stored = session.get(Integration, integration.id)
        stored.setup_status = "INCOMPLETE"
        session.add(stored)
        session.commit()

    started = await start_repair(engine, kombo, admin, integration.id, "setup", OPTIONS)
    finished = await finish_connect(
        engine, kombo, admin, started.attempt_id, complete_flow(control, started.link)
    )

    assert finished.setup_status == "COMPLETED"


async def test_finish_setup_is_refused_when_there_is_nothing_to_finish(
    engine, kombo, control, people
):
    integration = await connected(engine, kombo, control, people.acme_admin)

    with pytest.raises(Problem) as refused:
        await start_repair(engine, kombo, people.acme_admin, integration.id, "setup", OPTIONS)

    assert refused.value.message == "This integration has no setup steps to finish or change."


async def test_disable_and_enable_follow_kombo(engine, kombo, control, people):
    admin = people.acme_admin
    integration = await connected(engine, kombo, control, admin)

    assert (await set_enabled(engine, kombo, admin, integration.id, False)).state == "INACTIVE"
    assert (await kombo.get_integration(integration.kombo_integration_id)).status == "INACTIVE"
    assert (await set_enabled(engine, kombo, admin, integration.id, True)).state == "ACTIVE"
    assert audit(engine)[-2:] == [("disable", "done"), ("enable", "done")]


async def test_disconnect_deletes_at_kombo_and_keeps_the_record_removed(
    engine, kombo, control, people
):
    admin = people.acme_admin
    integration = await connected(engine, kombo, control, admin)

    await disconnect(engine, kombo, admin, integration.id)

    assert record(engine, integration.id).removed_at is not None
    assert (await start_connect(engine, kombo, admin, "HRIS", OPTIONS)).link, "Connect again"
    assert ("disconnect", "done") in audit(engine)


async def test_disconnect_counts_kombo_not_found_as_already_disconnected(
    engine, kombo, control, people
):
    admin = people.acme_admin
    integration = await connected(engine, kombo, control, admin)
    await kombo.delete_integration(integration.kombo_integration_id)  # gone at Kombo already

    await disconnect(engine, kombo, admin, integration.id)

    assert record(engine, integration.id).removed_at is not None


async def test_a_kombo_error_on_disconnect_changes_nothing(engine, kombo, control, people):
    admin = people.acme_admin
    integration = await connected(engine, kombo, control, admin)

    with respx.mock(base_url="https://kombo.test/v1") as kombo_api:
        kombo_api.delete(url__regex=r".*").mock(
            return_value=httpx.Response(
                500,
                json={
                    "status": "error",
                    "error": {"code": "PLATFORM.UNKNOWN_ERROR", "title": None,
                              "message": "boom", "log_url": "https://app.kombo.dev/logs/5"},
                },
            )
        )  # fmt: skip
        async with KomboClient(
            "https://kombo.test/v1", "k", retry=RetryPolicy(max_attempts=1)
        ) as failing:
            with pytest.raises(Problem) as failed:
                await disconnect(engine, failing, admin, integration.id)

    assert failed.value.log_url == "https://app.kombo.dev/logs/5"
    assert record(engine, integration.id).removed_at is None
    assert audit(engine)[-1] == ("disconnect", "failed")


@pytest.mark.parametrize("action", ["reconnect", "setup", "disconnect", "disable"])
async def test_members_and_other_organisations_are_refused_and_recorded(
    engine, kombo, control, people, action
):
    integration = await connected(engine, kombo, control, people.acme_admin)

    for outsider in (people.acme_member, people.globex_admin):
        with pytest.raises(Problem):
            if action in ("reconnect", "setup"):
                await start_repair(engine, kombo, outsider, integration.id, action, OPTIONS)
            elif action == "disconnect":
                await disconnect(engine, kombo, outsider, integration.id)
            else:
                await set_enabled(engine, kombo, outsider, integration.id, False)

    assert record(engine, integration.id).removed_at is None
    assert record(engine, integration.id).state == "ACTIVE"
    refused = [row for row in audit(engine) if row == (action, "refused")]
    assert len(refused) == 2


async def test_an_unknown_integration_id_is_refused(engine, kombo, people):
    with pytest.raises(Problem) as refused:
        await disconnect(engine, kombo, people.acme_admin, "no-such-id")

    assert refused.value.message == "This integration is not one of your organisation's."


@pytest.mark.parametrize("action", ["reconnect", "disable"])
async def test_a_kombo_error_on_reconnect_or_disable_is_a_short_message_and_recorded(
    engine, kombo, control, people, action
):
    admin = people.acme_admin
    integration = await connected(engine, kombo, control, admin)

    with respx.mock(base_url="https://kombo.test/v1") as kombo_api:
        kombo_api.route(url__regex=r".*").mock(
            return_value=httpx.Response(429, json={"status": "error", "error": {
                "code": "PLATFORM.RATE_LIMIT_EXCEEDED", "title": None, "message": "slow down",
                "log_url": "https://app.kombo.dev/logs/7"}})
        )  # fmt: skip
        async with KomboClient(
            "https://kombo.test/v1", "k", retry=RetryPolicy(max_attempts=1)
        ) as failing:
            with pytest.raises(Problem) as failed:
                if action == "reconnect":
                    await start_repair(engine, failing, admin, integration.id, "reconnect", OPTIONS)
                else:
                    await set_enabled(engine, failing, admin, integration.id, False)

    assert failed.value.message == "Kombo is busy. Try again in a minute."
    assert record(engine, integration.id).state == "ACTIVE"
    with Session(engine) as session:
        last = session.exec(
            select(ConnectAttempt).order_by(ConnectAttempt.started_at.desc())
        ).first()
    assert (last.outcome, last.log_url) in (
        ("link_failed", "https://app.kombo.dev/logs/7"),
        ("failed", "https://app.kombo.dev/logs/7"),
    )


async def test_a_successful_reconnect_clears_an_earlier_failure_notice(
    engine, kombo, control, people
):
    from kombo_portal.records.flow_failures import latest_flow_failures, record_flow_failure

    admin = people.acme_admin
    integration = await connected(engine, kombo, control, admin)
    with Session(engine) as session:
        record_flow_failure(
            session, admin.organisation_id, category="HRIS", tool_id="personio", log_url=None
        )
        session.commit()
        assert "HRIS" in latest_flow_failures(session, admin.organisation_id)

    started = await start_repair(engine, kombo, admin, integration.id, "reconnect", OPTIONS)
    await finish_connect(
        engine, kombo, admin, started.attempt_id, complete_flow(control, started.link)
    )

    with Session(engine) as session:
        assert latest_flow_failures(session, admin.organisation_id) == {}
