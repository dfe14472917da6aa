"""Kombo failing at each step the portal takes: create a link (init), exchange the
activation token (activate), relink (reconnect), delete (disconnect), and read an
integration's details (details).

Every fault is tried here through the sandbox's fault setting (in process, as in
sandbox mode), and in test_kombo_faults_respx through respx in front of the real
client. Whatever the fault, the person gets a short message (or, where the portal
can do without Kombo's answer, success) within the configured timeout; no record
is half made and no attempt is left open; and the client tries again only where
that is safe.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
import pytest
from sqlmodel import Session, select
from starlette.testclient import TestClient

from kombo_portal.api import create_backend_api
from kombo_portal.db.models import ConnectAttempt, Integration, MagicLink
from kombo_portal.kombo import KomboClient, RetryPolicy
from kombo_portal.kombo.signature import SIGNATURE_HEADER, sign_webhook
from kombo_portal.problems import Problem
from kombo_portal.records.sessions import SignedInUser
from kombo_portal.sandbox.app import SandboxConfig, create_sandbox_app
from kombo_portal.sandbox.outbox import WebhookSettings
from kombo_portal.use_cases import lifecycle
from kombo_portal.use_cases.connect import ConnectOptions, finish_connect
from kombo_portal.use_cases.connect import start_connect as start
from kombo_portal.use_cases.invitations import invite_colleague
from kombo_portal.use_cases.tool_details import ToolDetailsFetcher
from tests.sandbox.conftest import complete_flow

TIMEOUT = 0.5  # KOMBO_TIMEOUT_SECONDS for these tests
SLOW = 5.0  # how long a slow Kombo takes: ten timeouts
WAITED_AT_MOST = 2.5  # a step gives up well before SLOW (and machine-speed independent)
OPTIONS = ConnectOptions(categories=("HRIS", "ATS"))
KEY = "ks_fault_key"
ATTEMPTS = RetryPolicy().max_attempts
STEPS = ("init", "activate", "reconnect", "disconnect", "details")
KINDS = ("latency", "429", "500", "503", "malformed_json", "reset", "timeout")
# How many calls the client makes while the fault lasts: a refusal Kombo made
# without acting (429, 503) and a dropped connection are tried again; a timeout
# is not (the person would wait twice as long), nor a 500 or an unreadable answer.
CALLS = {"latency": 1, "timeout": 1, "500": 1, "malformed_json": 1}
CALLS.update({"429": ATTEMPTS, "503": ATTEMPTS, "reset": ATTEMPTS})


def calls_for(step: str, kind: str) -> int:
    # The one-time activation token is not sent again once it may have reached Kombo.
    if step == "activate" and kind == "reset":
        return 1
    return CALLS[kind]


LINK_MESSAGES = {
    "latency": "Kombo did not answer in time. Try again in a moment.",
    "timeout": "Kombo did not answer in time. Try again in a moment.",
    "429": "Kombo is busy. Try again in a minute.",
    "500": "Kombo had a problem starting the connection. Try again in a moment.",
    "503": "Kombo had a problem starting the connection. Try again in a moment.",
    "malformed_json": "Kombo's answer could not be read. Try again in a moment.",
    "reset": "Kombo cannot be reached right now. Try again in a moment.",
}


def expected_message(step: str, kind: str) -> str | None:
    """What the person is told; None: the step succeeds without Kombo's answer."""
    if step in ("init", "reconnect"):
        return LINK_MESSAGES[kind]
    if step == "activate":
        # No answer (slow, or cut off after the token left): Kombo may have made it.
        if kind in ("latency", "timeout", "reset"):
            return (
                "Kombo did not confirm the connection in time. If it was made, it appears "
                "here within a minute; if not, connect again."
            )
        return "The connection could not be confirmed with Kombo. Try connecting again."
    if step == "disconnect":
        return "Kombo could not disconnect it. Try again in a moment."
    return None  # details: the token told enough to record it; details follow later


class RecordedSleeps(list):
    """The client's waits between retries, recorded instead of waited."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


def attempts(engine) -> list[ConnectAttempt]:
    with Session(engine) as session:
        return list(session.exec(select(ConnectAttempt).order_by(ConnectAttempt.started_at)))


def integrations(engine) -> list[Integration]:
    with Session(engine) as session:
        return list(session.exec(select(Integration)))


@dataclass
class Outcome:
    result: object
    problem: Problem | None
    seconds: float


async def timed(action: Callable[[], Awaitable[object]]) -> Outcome:
    started = time.monotonic()
    try:
        result = await action()
    except Problem as problem:
        return Outcome(None, problem, time.monotonic() - started)
    return Outcome(result, None, time.monotonic() - started)


def assert_handled(engine, step: str, kind: str, outcome: Outcome) -> None:
    """The person's message, the time taken, and what the database holds."""
    message = expected_message(step, kind)
    if message is None:
        assert outcome.problem is None
    else:
        assert outcome.problem is not None, f"{step} succeeded despite {kind}"
        assert outcome.problem.message == message
    assert outcome.seconds < WAITED_AT_MOST

    recorded = integrations(engine)
    made = attempts(engine)
    assert [a for a in made if a.outcome == "started" or a.finished_at is None] == []
    last = made[-1]
    if step in ("init", "activate"):
        assert recorded == []
        assert last.outcome == ("link_failed" if step == "init" else "failed")
    elif step == "details":
        [record] = recorded
        assert (record.category, record.tool_id, record.removed_at) == ("HRIS", "personio", None)
        assert record.details_due_at is not None  # fetched again later
        assert (last.outcome, last.kombo_integration_id) == (
            "connected",
            record.kombo_integration_id,
        )
    else:
        [record] = recorded
        assert (record.state, record.removed_at) == ("ACTIVE", None)
        assert (last.action, last.outcome) == (
            step,
            "link_failed" if step == "reconnect" else "failed",
        )
    assert len(last.detail or "") <= 1000


# -- through the sandbox's fault setting ----------------------------------------------


class SandboxKombo:
    """The sandbox in process, as sandbox mode runs it, and the portal's client on it."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.app = create_sandbox_app(
            SandboxConfig(
                api_key=KEY,
                public_url="http://sandbox.test",
                webhooks=WebhookSettings("http://portal.test/webhooks/kombo"),
            ),
            lambda: engine,
        )
        self.control = TestClient(
            self.app, base_url="http://sandbox.test", headers={"Authorization": f"Bearer {KEY}"}
        )
        self.sleeps = RecordedSleeps()
        self.client = KomboClient(
            "http://sandbox.test/v1",
            KEY,
            timeout_seconds=TIMEOUT,
            transport=httpx.ASGITransport(app=self.app),
            sleep=self.sleeps,
        )

    def fault(self, **fault) -> None:
        response = self.control.post("/control/faults", json=fault)
        assert response.status_code == 200, response.text

    def served(self) -> list[int]:
        return [f["served"] for f in self.control.get("/control/faults").json()["data"]["faults"]]

    async def connected(self, admin: SignedInUser) -> Integration:
        started = await start(self.engine, self.client, admin, "HRIS", OPTIONS)
        token = complete_flow(self.control, started.link, tool="personio")
        return await finish_connect(self.engine, self.client, admin, started.attempt_id, token)


@pytest.fixture
async def sandbox(engine):
    kombo = SandboxKombo(engine)
    yield kombo
    await kombo.client.aclose()


SANDBOX_FAULTS = {
    "latency": {"kind": "latency", "seconds": SLOW},
    "429": {"kind": "429", "retry_after": 0},
    "500": {"kind": "500"},
    "503": {"kind": "503"},
    "malformed_json": {"kind": "malformed_json"},
    "reset": {"kind": "reset"},
    "timeout": {"kind": "timeout", "seconds": SLOW},
}


async def prepare_in_sandbox(sandbox: SandboxKombo, admin: SignedInUser, step: str):
    """Everything before the step, fault-free; returns (where the fault goes, the step)."""
    engine, kombo = sandbox.engine, sandbox.client
    if step == "init":
        return ("/v1/connect/create-link", "POST"), lambda: start(
            engine, kombo, admin, "HRIS", OPTIONS
        )
    if step in ("activate", "details"):
        started = await start(engine, kombo, admin, "HRIS", OPTIONS)
        token = complete_flow(sandbox.control, started.link, tool="personio")
        where = (
            ("/v1/connect/integration-by-token/", "GET")
            if step == "activate"
            else ("/v1/integrations/", "GET")
        )
        return where, lambda: finish_connect(engine, kombo, admin, started.attempt_id, token)
    record = await sandbox.connected(admin)
    path = f"/v1/integrations/{record.kombo_integration_id}"
    if step == "reconnect":
        return (f"{path}/relink", "POST"), lambda: lifecycle.start_repair(
            engine, kombo, admin, record.id, "reconnect", OPTIONS
        )
    return (path, "DELETE"), lambda: lifecycle.disconnect(engine, kombo, admin, record.id)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("step", STEPS)
async def test_a_fault_in_the_sandbox_is_handled_at_every_step(engine, sandbox, admin, step, kind):
    (path, method), action = await prepare_in_sandbox(sandbox, admin, step)
    # Lasting longer than the client keeps trying.
    sandbox.fault(path_prefix=path, method=method, count=10, **SANDBOX_FAULTS[kind])

    outcome = await timed(action)

    assert_handled(engine, step, kind, outcome)
    assert sandbox.served() == [calls_for(step, kind)]
    if kind == "429":
        assert sandbox.sleeps == [0.0] * (ATTEMPTS - 1), "Retry-After is honoured"


@pytest.mark.parametrize("kind", ["429", "503", "reset"])
@pytest.mark.parametrize("step", ["init", "disconnect"])
async def test_a_passing_fault_is_retried_and_the_person_never_sees_it(
    engine, sandbox, admin, step, kind
):
    (path, method), action = await prepare_in_sandbox(sandbox, admin, step)
    sandbox.fault(path_prefix=path, method=method, count=1, **SANDBOX_FAULTS[kind])

    outcome = await timed(action)

    assert outcome.problem is None
    assert sandbox.served() == [1]
    assert len(sandbox.sleeps) == 1
    assert attempts(engine)[-1].outcome in ("started", "done")  # a link's flow is still open


@pytest.mark.parametrize("kind", ["latency", "429", "500", "malformed_json", "reset"])
async def test_a_fault_on_inviting_a_colleague_stores_no_invitation(engine, sandbox, admin, kind):
    sandbox.fault(path_prefix="/v1/connect/create-link", count=10, **SANDBOX_FAULTS[kind])

    outcome = await timed(
        lambda: invite_colleague(engine, sandbox.client, admin, "ATS", "carla@acme.test", OPTIONS)
    )

    assert outcome.problem.message == LINK_MESSAGES[kind]
    assert outcome.seconds < WAITED_AT_MOST
    with Session(engine) as session:
        assert session.exec(select(MagicLink)).all() == []
    assert [(a.action, a.outcome) for a in attempts(engine)] == [("invite", "failed")]
    assert sandbox.served() == [CALLS[kind]]


async def test_a_delete_kombo_did_but_never_confirmed_is_not_repeated_and_a_retry_finishes_it(
    engine, sandbox, admin
):
    record = await sandbox.connected(admin)
    sandbox.fault(
        path_prefix=f"/v1/integrations/{record.kombo_integration_id}",
        method="DELETE",
        kind="timeout",
        seconds=SLOW,
        after_handling=True,
    )

    outcome = await timed(lambda: lifecycle.disconnect(engine, sandbox.client, admin, record.id))

    assert outcome.problem.message == "Kombo could not disconnect it. Try again in a moment."
    assert sandbox.served() == [1]
    assert integrations(engine)[0].removed_at is None
    # The person tries again: Kombo says it is gone, which counts as done.
    removed = await lifecycle.disconnect(engine, sandbox.client, admin, record.id)
    assert removed.removed_at is not None
    assert [a.outcome for a in attempts(engine) if a.action == "disconnect"] == ["failed", "done"]


async def test_details_kombo_cannot_give_after_a_webhook_are_put_off_within_the_timeout(
    engine, sandbox, admin
):
    """The details fetch after a webhook: Kombo slow, the webhook answered at once, the
    fetch given up within the timeout and due again later."""
    details = ToolDetailsFetcher(lambda: engine, sandbox.client)
    started = await start(engine, sandbox.client, admin, "HRIS", OPTIONS)
    complete_flow(sandbox.control, started.link, tool="personio")
    [created] = [
        row["body"]
        for row in sandbox.control.get("/control/webhooks").json()["data"]["deliveries"]
        if row["type"] == "integration-created"
    ]
    sandbox.fault(path_prefix="/v1/integrations/", method="GET", kind="latency", seconds=SLOW)
    portal = TestClient(
        create_backend_api(
            lambda: engine, get_webhook_secrets=lambda: ("s",), details_needed=details.wake
        )
    )
    body = json.dumps(created).encode()

    response = portal.post(
        "/webhooks/kombo", content=body, headers={SIGNATURE_HEADER: sign_webhook("s", body)}
    )
    fetch = await timed(details.fetch_due)

    assert response.json() == {"status": "ok", "outcome": "applied"}
    assert (fetch.result, fetch.problem) == (0, None)
    assert fetch.seconds < WAITED_AT_MOST
    [record] = integrations(engine)
    assert (record.tool_id, record.tool_logo_url, record.details_failures) == ("personio", None, 1)
    assert record.details_due_at is not None
    assert sandbox.served() == [1]
