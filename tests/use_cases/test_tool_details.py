"""The tool's details (label, logo) of an integration recorded from a webhook: fetched
from Kombo after the webhook is answered, tried again with growing waits when Kombo
fails (the sandbox's fault setting), kept due in the database so that another
fetcher, as after a restart, takes over; fetched once when two processes look."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlmodel import Session, select
from starlette.testclient import TestClient

from kombo_portal.api import create_backend_api
from kombo_portal.db.models import Integration, as_utc
from kombo_portal.kombo import KomboClient
from kombo_portal.kombo.signature import SIGNATURE_HEADER, sign_webhook
from kombo_portal.use_cases.connect import start_connect
from kombo_portal.use_cases.tool_details import ToolDetailsFetcher, wait_after
from tests.sandbox.conftest import complete_flow
from tests.use_cases.test_kombo_faults import KEY, OPTIONS, SandboxKombo

SECRET = "whsec_details"
START = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


class Clock:
    """The fetcher's idea of now, moved by the test."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
async def sandbox(engine):
    kombo = SandboxKombo(engine)
    yield kombo
    await kombo.client.aclose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def wakes() -> list[str]:
    return []


@pytest.fixture
def portal(engine, wakes):
    """The portal's webhook route; each time it asks for details, `wakes` grows."""
    return TestClient(
        create_backend_api(
            lambda: engine,
            get_webhook_secrets=lambda: (SECRET,),
            details_needed=lambda: wakes.append("wake"),
        )
    )


def fetcher(sandbox: SandboxKombo, clock: Clock, client: KomboClient | None = None):
    return ToolDetailsFetcher(lambda: sandbox.engine, client or sandbox.client, clock=clock)


def the_record(engine) -> Integration:
    with Session(engine) as session:
        [record] = session.exec(select(Integration)).all()
        return record


def due_at(engine) -> datetime | None:
    moment = the_record(engine).details_due_at
    return as_utc(moment) if moment else None


async def created_by_webhook(sandbox: SandboxKombo, portal: TestClient, admin, clock) -> str:
    """A connection made in the sandbox's flow, reaching the portal only as Kombo's
    `integration-created` webhook (as when the person closed the tab)."""
    started = await start_connect(sandbox.engine, sandbox.client, admin, "HRIS", OPTIONS)
    complete_flow(sandbox.control, started.link, tool="personio")
    [event] = [
        row["body"]
        for row in sandbox.control.get("/control/webhooks").json()["data"]["deliveries"]
        if row["type"] == "integration-created"
    ]
    body = json.dumps(event).encode()
    response = portal.post(
        "/webhooks/kombo", content=body, headers={SIGNATURE_HEADER: sign_webhook(SECRET, body)}
    )
    assert response.json() == {"status": "ok", "outcome": "applied"}
    # Made "now" by the route's clock: the fetcher's clock starts there.
    clock.now = max(clock.now, due_at(sandbox.engine) or clock.now)
    return event["data"]["id"]


def assert_waiting_with_the_tool_id(engine) -> None:
    record = the_record(engine)
    assert (record.tool_id, record.tool_label, record.tool_logo_url) == (
        "personio",
        "personio",
        None,
    )
    assert record.details_due_at is not None


def assert_has_details(engine) -> None:
    record = the_record(engine)
    assert record.tool_label == "Personio"
    assert record.tool_logo_url is not None and "personio" in record.tool_logo_url
    assert (record.details_due_at, record.details_failures) == (None, 0)


async def test_a_record_made_from_a_webhook_waits_for_its_details_and_says_so(
    sandbox, portal, admin, clock, wakes
):
    await created_by_webhook(sandbox, portal, admin, clock)

    assert wakes == ["wake"]
    assert_waiting_with_the_tool_id(sandbox.engine)

    assert await fetcher(sandbox, clock).fetch_due() == 1
    assert_has_details(sandbox.engine)


async def test_kombo_failing_is_tried_again_with_growing_waits_until_it_answers(
    sandbox, portal, admin, clock
):
    await created_by_webhook(sandbox, portal, admin, clock)
    sandbox.fault(path_prefix="/v1/integrations/", method="GET", kind="500", count=3)
    details = fetcher(sandbox, clock)

    waits = []
    for failures in (1, 2, 3):
        asked_at = clock.now
        assert await details.fetch_due() == 0
        assert_waiting_with_the_tool_id(sandbox.engine)
        assert the_record(sandbox.engine).details_failures == failures
        waits.append(due_at(sandbox.engine) - asked_at)
        # Not before it is due: Kombo is not asked.
        clock.advance(seconds=waits[-1].total_seconds() - 1)
        assert await details.fetch_due() == 0
        assert sandbox.served() == [failures]
        clock.advance(seconds=1)

    assert waits == [timedelta(seconds=15), timedelta(seconds=30), timedelta(seconds=60)]
    assert await details.fetch_due() == 1
    assert_has_details(sandbox.engine)


async def test_a_wait_kombo_asks_for_is_honoured(sandbox, portal, admin, clock):
    await created_by_webhook(sandbox, portal, admin, clock)
    # Longer than the client's own retries may wait: it gives up at once.
    sandbox.fault(path_prefix="/v1/integrations/", method="GET", kind="429", retry_after=600)

    assert await fetcher(sandbox, clock).fetch_due() == 0

    assert due_at(sandbox.engine) == clock.now + timedelta(seconds=600)
    assert sandbox.served() == [1]


def test_waits_double_from_fifteen_seconds_up_to_an_hour():
    assert [wait_after(n).total_seconds() for n in (1, 2, 3, 4, 8, 9, 50)] == [
        15,
        30,
        60,
        120,
        1920,
        3600,
        3600,
    ]
    assert wait_after(1, retry_after_seconds=90) == timedelta(seconds=90)
    assert wait_after(1, retry_after_seconds=10**9) == timedelta(hours=1)


async def test_another_fetcher_takes_over_what_one_left_due_as_after_a_restart(
    sandbox, portal, admin, clock
):
    await created_by_webhook(sandbox, portal, admin, clock)
    sandbox.fault(path_prefix="/v1/integrations/", method="GET", kind="503", count=100)
    assert await fetcher(sandbox, clock).fetch_due() == 0
    sandbox.control.delete("/control/faults")

    # A new process: its own client, nothing in memory from the first.
    clock.advance(seconds=15)
    async with KomboClient(
        "http://sandbox.test/v1", KEY, transport=httpx.ASGITransport(app=sandbox.app)
    ) as restarted:
        assert await fetcher(sandbox, clock, restarted).fetch_due() == 1

    assert_has_details(sandbox.engine)


async def test_two_fetchers_at_once_ask_kombo_once(sandbox, portal, admin, clock):
    await created_by_webhook(sandbox, portal, admin, clock)
    sandbox.fault(
        path_prefix="/v1/integrations/", method="GET", kind="latency", seconds=0.2, count=5
    )

    fetched = await asyncio.gather(
        fetcher(sandbox, clock).fetch_due(), fetcher(sandbox, clock).fetch_due()
    )

    assert sorted(fetched) == [0, 1]
    assert sandbox.served() == [1]
    assert_has_details(sandbox.engine)


async def test_an_integration_kombo_does_not_know_is_not_asked_about_again(
    sandbox, portal, admin, clock
):
    kombo_id = await created_by_webhook(sandbox, portal, admin, clock)
    await sandbox.client.delete_integration(kombo_id)  # its deletion webhook not yet here

    assert await fetcher(sandbox, clock).fetch_due() == 0

    record = the_record(sandbox.engine)
    assert (record.tool_label, record.details_due_at, record.removed_at) == ("personio", None, None)
    sandbox.fault(path_prefix="/v1/integrations/", method="GET", kind="latency", seconds=0)
    clock.advance(hours=2)
    assert await fetcher(sandbox, clock).fetch_due() == 0
    assert sandbox.served() == [0]


async def test_a_removed_integration_is_not_asked_about(sandbox, portal, admin, clock):
    kombo_id = await created_by_webhook(sandbox, portal, admin, clock)
    body = json.dumps(
        {
            "id": "evt_deleted",
            "type": "integration-deleted",
            "data": {"id": kombo_id, "deleted_at": "2026-12-05T09:00:00.000Z"},
        }
    ).encode()
    portal.post(
        "/webhooks/kombo", content=body, headers={SIGNATURE_HEADER: sign_webhook(SECRET, body)}
    )
    sandbox.fault(path_prefix="/v1/integrations/", method="GET", kind="latency", seconds=0)

    assert await fetcher(sandbox, clock).fetch_due() == 0

    record = the_record(sandbox.engine)
    assert record.removed_at is not None and record.details_due_at is None
    assert sandbox.served() == [0]


async def test_the_running_fetcher_fetches_as_soon_as_the_webhook_route_wakes_it(
    engine, sandbox, admin
):
    details = ToolDetailsFetcher(lambda: engine, sandbox.client, poll_seconds=600)
    portal = TestClient(
        create_backend_api(
            lambda: engine, get_webhook_secrets=lambda: (SECRET,), details_needed=details.wake
        )
    )
    running = asyncio.create_task(details.run())
    try:
        await asyncio.sleep(0.1)  # its first look finds nothing; then it waits 600 s
        await created_by_webhook(sandbox, portal, admin, Clock())
        for _ in range(100):
            if the_record(engine).details_due_at is None:
                break
            await asyncio.sleep(0.05)
    finally:
        running.cancel()

    assert_has_details(engine)
