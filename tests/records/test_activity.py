"""The activity log: who did what and what Kombo reported, newest first, in pages."""

from sqlmodel import Session
from starlette.testclient import TestClient

from kombo_portal.api import create_backend_api
from kombo_portal.kombo.signature import sign_webhook
from kombo_portal.records.activity import KOMBO, activity_page
from kombo_portal.use_cases.connect import (
    ConnectOptions,
    abandon_connect,
    finish_connect,
    start_connect,
)
from kombo_portal.use_cases.lifecycle import disconnect
from tests.sandbox.conftest import complete_flow

OPTIONS = ConnectOptions(categories=("HRIS", "ATS"))


def deliver(engine, body: bytes) -> dict:
    """Post a signed webhook to the portal's route, as Kombo would."""
    client = TestClient(create_backend_api(lambda: engine, get_webhook_secrets=lambda: ["s"]))
    return client.post(
        "/webhooks/kombo", content=body, headers={"X-Kombo-Signature": sign_webhook("s", body)}
    ).json()


async def connected_personio(engine, kombo, control, admin):
    started = await start_connect(engine, kombo, admin, "HRIS", OPTIONS)
    return await finish_connect(
        engine,
        kombo,
        admin,
        started.attempt_id,
        complete_flow(control, started.link, tool="personio"),
    )


def broken_credentials(integration) -> bytes:
    return (
        b'{"id": "evt_s", "type": "integration-state-changed", "data": {"integration_id": "%s", '
        b'"state": "INVALID", "setup_status": "COMPLETED", "qa_status": "PASSED"}}'
        % integration.kombo_integration_id.encode()
    )


def log(engine, organisation_id, page=0, page_size=20):
    with Session(engine) as session:
        return activity_page(session, organisation_id, page, page_size)


async def test_the_log_tells_who_did_what_newest_first(engine, kombo, control, people):
    admin = people.acme_admin
    cancelled = await start_connect(engine, kombo, admin, "ATS", OPTIONS)
    await abandon_connect(engine, admin, cancelled.attempt_id, "cancelled", "closed")
    started = await start_connect(engine, kombo, admin, "HRIS", OPTIONS)
    integration = await finish_connect(
        engine, kombo, admin, started.attempt_id, complete_flow(control, started.link, tool="hibob")
    )
    await disconnect(engine, kombo, admin, integration.id)

    entries, has_older = log(engine, admin.organisation_id)

    assert [(entry.who, entry.what) for entry in entries] == [
        ("Ada Admin", "Disconnected HiBob"),
        ("Ada Admin", "Connected HiBob"),
        ("Ada Admin", "Cancelled connecting ATS"),
    ]
    assert not has_older


async def test_an_attempt_without_a_tool_names_its_category_in_the_readers_words(
    engine, kombo, people
):
    admin = people.acme_admin
    options = ConnectOptions(categories=("HRIS", "ASSESSMENT"))
    started = await start_connect(engine, kombo, admin, "ASSESSMENT", options)
    await abandon_connect(engine, admin, started.attempt_id, "cancelled", "closed")

    entries, _ = log(engine, admin.organisation_id)

    assert entries[0].what == "Cancelled connecting Assessment platform"
    assert entries[0].what_in("de") == "Verbinden von Assessment-Plattform abgebrochen"


async def test_kombos_news_is_in_the_log_as_kombo(engine, kombo, control, people):
    admin = people.acme_admin
    integration = await connected_personio(engine, kombo, control, admin)
    assert deliver(engine, broken_credentials(integration))["outcome"] == "applied"

    entries, _ = log(engine, admin.organisation_id)

    assert (entries[0].who, entries[0].what) == (
        KOMBO,
        "Personio's credentials stopped working: it needs reconnection",
    )


async def test_the_log_is_paginated_and_per_organisation(engine, kombo, people):
    admin = people.acme_admin
    for _ in range(5):
        started = await start_connect(engine, kombo, admin, "ATS", OPTIONS)
        await abandon_connect(engine, admin, started.attempt_id, "cancelled", "closed")

    first, more = log(engine, admin.organisation_id, page=0, page_size=2)
    third, more_after_third = log(engine, admin.organisation_id, page=2, page_size=2)

    assert len(first) == 2 and more
    assert len(third) == 1 and not more_after_third
    assert log(engine, people.globex_admin.organisation_id) == ([], False)


async def test_data_activity_never_pushes_kombos_news_out_of_the_log(
    engine, kombo, control, people
):
    admin = people.acme_admin
    integration = await connected_personio(engine, kombo, control, admin)
    assert deliver(engine, broken_credentials(integration))["outcome"] == "applied"
    for number in range(25):
        body = b'{"id": "evt_d%d", "type": "data-changed", "data": {"integration_id": "%s"}}' % (
            number,
            integration.kombo_integration_id.encode(),
        )
        assert deliver(engine, body)["outcome"] == "applied"

    entries, _ = log(engine, admin.organisation_id)

    assert (KOMBO, "Personio's credentials stopped working: it needs reconnection") in [
        (entry.who, entry.what) for entry in entries
    ]
