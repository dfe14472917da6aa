"""The fault matrix of test_kombo_faults again, with respx in front of the real
client instead of the sandbox: the same messages, timing, records and retries."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import respx

from kombo_portal.db.transaction import transaction
from kombo_portal.kombo import KomboClient
from kombo_portal.records.integrations import IntegrationFacts, record_integration
from kombo_portal.records.sessions import SignedInUser
from kombo_portal.use_cases import lifecycle
from kombo_portal.use_cases.connect import finish_connect
from kombo_portal.use_cases.connect import start_connect as start
from tests.use_cases.test_kombo_faults import (
    KEY,
    KINDS,
    OPTIONS,
    SLOW,
    STEPS,
    TIMEOUT,
    RecordedSleeps,
    assert_handled,
    calls_for,
    timed,
)

BASE = "https://kombo.test/v1"
INTEGRATION_ID = "personio:CBNMt7dSNCzBdnRTx87dev4E"


@pytest.fixture
def database_url(tmp_path) -> str:
    # The sandbox half runs on every database kind; this half differs from it only in
    # what stands in for Kombo, so one kind is enough.
    return f"sqlite:///{tmp_path / 'portal.db'}"


def success(data: dict) -> httpx.Response:
    return httpx.Response(200, json={"status": "success", "data": data})


def respx_fault(kind: str, calls: list[str]):
    """A respx side effect that answers with `kind` and counts the calls it gets."""

    async def answer(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        if kind == "latency":
            await asyncio.sleep(SLOW)
            return success({})
        if kind == "timeout":
            raise httpx.ReadTimeout("no answer", request=request)
        if kind == "reset":
            raise httpx.RemoteProtocolError("peer closed the connection", request=request)
        if kind == "malformed_json":
            return httpx.Response(200, content=b'{"status": "success", "da')
        if kind == "503":
            return httpx.Response(503, text="Service Unavailable")
        code = "PLATFORM.RATE_LIMIT_EXCEEDED" if kind == "429" else "PLATFORM.UNKNOWN_ERROR"
        return httpx.Response(
            int(kind),
            headers={"Retry-After": "0"} if kind == "429" else {},
            json={
                "status": "error",
                "error": {"code": code, "title": None, "message": "no", "log_url": None},
            },
        )

    return answer


def token_integration(admin: SignedInUser) -> dict:
    return {
        "id": INTEGRATION_ID,
        "tool": "personio",
        "end_user_origin_id": admin.organisation_id,
        "setup_status": "COMPLETED",
    }


def details() -> dict:
    return {
        "id": INTEGRATION_ID,
        "tool": {"id": "personio", "label": "Personio", "logo_url": "https://x.test/p.svg"},
        "category": "HRIS",
        "status": "ACTIVE",
        "setup_status": "COMPLETED",
    }


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("step", STEPS)
async def test_a_fault_behind_respx_is_handled_at_every_step(engine, admin, step, kind):
    calls: list[str] = []
    sleeps = RecordedSleeps()
    link = success({"link": "https://connect.kombo.dev/v1?token=abc"})
    faulted = {
        "init": ("POST", "/connect/create-link"),
        "activate": ("GET", "/connect/integration-by-token/token-1"),
        "reconnect": ("POST", f"/integrations/{INTEGRATION_ID}/relink"),
        "disconnect": ("DELETE", f"/integrations/{INTEGRATION_ID}"),
        "details": ("GET", f"/integrations/{INTEGRATION_ID}"),
    }[step]
    async with KomboClient(BASE, KEY, timeout_seconds=TIMEOUT, sleep=sleeps) as kombo:
        with respx.mock(base_url=BASE, assert_all_called=False) as router:
            # The faulted call first: respx answers with the first route that matches.
            router.route(method=faulted[0], path=faulted[1]).mock(
                side_effect=respx_fault(kind, calls)
            )
            router.post("/connect/create-link").mock(return_value=link)
            router.get("/connect/integration-by-token/token-1").mock(
                return_value=success(token_integration(admin))
            )
            router.get(f"/integrations/{INTEGRATION_ID}").mock(return_value=success(details()))
            router.post(f"/integrations/{INTEGRATION_ID}/relink").mock(return_value=link)
            router.delete(f"/integrations/{INTEGRATION_ID}").mock(return_value=success({}))
            action = await prepare_behind_respx(engine, kombo, admin, step)

            outcome = await timed(action)

    assert_handled(engine, step, kind, outcome)
    assert calls == [faulted[0]] * calls_for(step, kind)


async def prepare_behind_respx(engine, kombo: KomboClient, admin: SignedInUser, step: str):
    if step == "init":
        return lambda: start(engine, kombo, admin, "HRIS", OPTIONS)
    if step in ("activate", "details"):
        started = await start(engine, kombo, admin, "HRIS", OPTIONS)
        return lambda: finish_connect(engine, kombo, admin, started.attempt_id, "token-1")
    with transaction(engine) as session:
        record = record_integration(
            session,
            IntegrationFacts(
                kombo_integration_id=INTEGRATION_ID,
                organisation_id=admin.organisation_id,
                category="HRIS",
                tool_id="personio",
            ),
            connected_by_user_id=admin.user_id,
        )
    if step == "reconnect":
        return lambda: lifecycle.start_repair(engine, kombo, admin, record.id, "reconnect", OPTIONS)
    return lambda: lifecycle.disconnect(engine, kombo, admin, record.id)
