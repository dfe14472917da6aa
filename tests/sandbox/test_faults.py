"""The sandbox's fault setting (`/control/faults`): each kind reaches the client as
the fault it names, only for the requests it matches and only as often as asked."""

import time

import httpx
import pytest
from starlette.testclient import TestClient

from harness.local_server import serve_in_thread
from kombo_portal.kombo import CreateLinkRequest, FailureKind, KomboClient, KomboError, RetryPolicy
from kombo_portal.sandbox.faults import MAX_FAULTS
from tests.sandbox.conftest import SANDBOX_KEY, complete_flow

ACME = CreateLinkRequest(
    end_user_email="admin@acme.test", end_user_organization_name="Acme", end_user_origin_id="org_1"
)
CREATE_LINK = "/v1/connect/create-link"


@pytest.fixture
def database_url(tmp_path) -> str:
    # Faults live in memory, in front of the API: one database kind is enough here.
    return f"sqlite:///{tmp_path / 'sandbox.db'}"


def add_fault(control: TestClient, **fault) -> dict:
    response = control.post("/control/faults", json=fault)
    assert response.status_code == 200, response.text
    return response.json()["data"]["fault"]


def faults(control: TestClient) -> list[dict]:
    return control.get("/control/faults").json()["data"]["faults"]


def client_for(app_or_url, timeout: float = 5) -> KomboClient:
    """The portal's client, one attempt per call, in process or over a real socket."""
    if isinstance(app_or_url, str):
        return KomboClient(
            f"{app_or_url}/v1", SANDBOX_KEY, timeout_seconds=timeout, retry=RetryPolicy(1)
        )
    return KomboClient(
        "http://sandbox.test/v1",
        SANDBOX_KEY,
        timeout_seconds=timeout,
        transport=httpx.ASGITransport(app=app_or_url),
        retry=RetryPolicy(max_attempts=1),
    )


async def failure_of(call) -> KomboError:
    with pytest.raises(KomboError) as caught:
        await call
    return caught.value


@pytest.mark.parametrize(
    ("fault", "kind", "status"),
    [
        ({"kind": "429", "retry_after": 7}, FailureKind.API, 429),
        ({"kind": 500}, FailureKind.API, 500),
        ({"kind": "503", "retry_after": 2}, FailureKind.API, 503),
        ({"kind": "malformed_json"}, FailureKind.INVALID_RESPONSE, 200),
        ({"kind": "reset"}, FailureKind.CONNECTION, None),
        ({"kind": "timeout", "seconds": 30}, FailureKind.TIMEOUT, None),
        ({"kind": "latency", "seconds": 30}, FailureKind.TIMEOUT, None),
    ],
    ids=["429", "500", "503", "malformed_json", "reset", "timeout", "latency"],
)
async def test_each_kind_reaches_the_client_once_then_answers_are_normal_again(
    sandbox_app, control, fault, kind, status
):
    add_fault(control, path_prefix=CREATE_LINK, **fault)

    async with client_for(sandbox_app, timeout=0.3) as kombo:
        error = await failure_of(kombo.create_link(ACME))
        assert (error.kind, error.status) == (kind, status)
        assert "token=" in await kombo.create_link(ACME)

    if fault["kind"] in ("429", "503"):
        assert error.retry_after_seconds == fault["retry_after"]
    assert [(f["served"], f["count"]) for f in faults(control)] == [(1, 1)]


async def test_latency_within_the_timeout_delays_the_answer(sandbox_app, control):
    add_fault(control, path_prefix=CREATE_LINK, kind="latency", seconds=0.3)

    async with client_for(sandbox_app, timeout=5) as kombo:
        started = time.monotonic()
        link = await kombo.create_link(ACME)

    assert "token=" in link
    assert time.monotonic() - started >= 0.3


async def test_a_fault_serves_count_requests_and_only_those_it_matches(sandbox_app, control):
    # `/v1` may be left out of the prefix; the method narrows it further.
    add_fault(control, path_prefix="/integrations/", method="get", kind="500", count=2)

    async with client_for(sandbox_app) as kombo:
        link = await kombo.create_link(ACME)  # another path: untouched
        integration_id = (await kombo.integration_by_token(complete_flow(control, link))).id
        for _ in range(2):
            assert (await failure_of(kombo.get_integration(integration_id))).status == 500
        assert (await kombo.get_integration(integration_id)).id == integration_id
        await kombo.set_enabled(integration_id, False)  # PUT: not the fault's method

    [listed] = faults(control)
    assert listed["path_prefix"] == "/v1/integrations/"
    assert (listed["method"], listed["served"], listed["count"]) == ("GET", 2, 2)


async def test_faults_are_served_oldest_first(sandbox_app, control):
    add_fault(control, path_prefix=CREATE_LINK, kind="429")
    add_fault(control, path_prefix="/v1", kind="500")

    async with client_for(sandbox_app) as kombo:
        assert (await failure_of(kombo.create_link(ACME))).status == 429
        assert (await failure_of(kombo.create_link(ACME))).status == 500
        assert "token=" in await kombo.create_link(ACME)


async def test_after_handling_the_request_takes_effect_though_the_answer_is_lost(
    sandbox_app, control
):
    async with client_for(sandbox_app) as kombo:
        link = await kombo.create_link(ACME)
        integration_id = (await kombo.integration_by_token(complete_flow(control, link))).id
        add_fault(
            control,
            path_prefix=f"/v1/integrations/{integration_id}",
            method="DELETE",
            kind="reset",
            after_handling=True,
        )

        assert (await failure_of(kombo.delete_integration(integration_id))).kind is (
            FailureKind.CONNECTION
        )
        # Kombo did delete it: asking again says so.
        assert (await failure_of(kombo.delete_integration(integration_id))).is_not_found


async def test_only_the_api_is_affected(sandbox_app, control, browser):
    add_fault(control, path_prefix="/", kind="500", count=10)

    assert control.get("/control/webhooks").status_code == 200
    assert browser.get("/connect", params={"token": "unknown"}).status_code == 404
    assert faults(control)[0]["served"] == 0


def test_only_so_many_faults_wait_at_once(control):
    for _ in range(MAX_FAULTS):
        add_fault(control, kind="500")

    refused = control.post("/control/faults", json={"kind": "500"})
    control.get("/v1/check-api-key")  # serves (and so ends) the oldest one
    accepted = control.post("/control/faults", json={"kind": "500"})

    assert refused.status_code == 400
    assert f"at most {MAX_FAULTS} faults" in refused.json()["error"]["message"]
    assert accepted.status_code == 200
    assert len(faults(control)) == MAX_FAULTS


def test_clearing_removes_every_fault(control):
    add_fault(control, kind="500", count=5)

    assert control.delete("/control/faults").json()["data"] == {"faults": []}
    assert faults(control) == []
    assert control.get("/v1/check-api-key").status_code == 200


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        ([], "JSON object"),
        ({"kind": "teapot"}, "kind"),
        ({"kind": "500", "path_prefix": "v1/connect"}, "path_prefix"),
        ({"kind": "500", "path_prefix": "/" + "a" * 600}, "path_prefix"),
        ({"kind": "500", "method": "BREW"}, "method"),
        ({"kind": "500", "count": 0}, "count"),
        ({"kind": "500", "count": 1.5}, "count"),
        ({"kind": "500", "count": True}, "count"),
        ({"kind": "latency", "seconds": -1}, "seconds"),
        ({"kind": "latency", "seconds": 10_000}, "seconds"),
        ({"kind": "latency", "seconds": "1"}, "seconds"),
        ({"kind": "429", "retry_after": 1.5}, "retry_after"),
        ({"kind": "500", "after_handling": "yes"}, "after_handling"),
        ({"kind": "500", "colour": "red"}, "colour"),
    ],
)
def test_a_wrong_fault_is_refused_with_what_is_wrong(control, body, complaint):
    response = control.post("/control/faults", json=body)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "PLATFORM.INPUT_INVALID"
    assert complaint in error["message"]
    assert faults(control) == []


def test_faults_need_the_api_key(sandbox_app):
    anonymous = TestClient(sandbox_app, base_url="http://sandbox.test")

    assert anonymous.post("/control/faults", json={"kind": "500"}).status_code == 401
    assert anonymous.get("/control/faults").status_code == 401
    assert anonymous.delete("/control/faults").status_code == 401


async def test_over_a_real_socket_reset_drops_the_connection_and_timeout_holds_it(
    sandbox_app, control
):
    add_fault(control, path_prefix=CREATE_LINK, kind="reset")
    add_fault(control, path_prefix=CREATE_LINK, kind="timeout", seconds=5)

    with serve_in_thread(sandbox_app) as url:
        async with httpx.AsyncClient() as raw:
            # Dropped mid-answer: seen as a broken answer or a failed read, by timing.
            with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
                await raw.post(
                    f"{url}{CREATE_LINK}",
                    json=ACME.model_dump(mode="json"),
                    headers={"Authorization": f"Bearer {SANDBOX_KEY}"},
                )
        async with client_for(url, timeout=0.3) as kombo:
            started = time.monotonic()
            error = await failure_of(kombo.create_link(ACME))
            waited = time.monotonic() - started
        # Answers are normal again (with time to spare on a busy machine).
        async with client_for(url) as kombo:
            assert "token=" in await kombo.create_link(ACME)

    assert error.kind is FailureKind.TIMEOUT
    assert waited < 3  # the client's 0.3 s, not the fault's 5 s


def test_a_failure_inside_kombo_carries_a_log_and_a_refusal_at_the_door_none(control):
    add_fault(control, kind="500")
    add_fault(control, kind="429")

    failed = control.get("/v1/check-api-key")
    limited = control.get("/v1/check-api-key")
    invalid = control.post(CREATE_LINK, json={"end_user_email": "nope"})

    assert failed.status_code == 500
    assert failed.json()["error"]["log_url"].startswith("https://app.kombo.dev/logs/")
    assert limited.status_code == 429
    assert limited.json()["error"]["log_url"] is None
    assert invalid.json()["error"]["log_url"] is None, "validation errors have no log"
