import asyncio
import json
import logging
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
import respx

from kombo_portal.kombo import (
    CreateLinkRequest,
    FailureKind,
    IntegrationCategory,
    IntegrationState,
    KomboClient,
    KomboError,
    Language,
    LinkType,
    RetryPolicy,
    SetupStatus,
)

BASE = "https://api.test.kombo.dev/v1"
API_KEY = "ks_dev_secret_key_never_logged"
INTEGRATION_ID = "personio:CBNMt7dSNCzBdnRTx87dev4E"


def success(data: dict) -> httpx.Response:
    return httpx.Response(200, json={"status": "success", "data": data})


def kombo_error(status: int, code: str | None, message: str, **headers: str) -> httpx.Response:
    body = {
        "status": "error",
        "error": {
            "code": code,
            "title": "A title",
            "message": message,
            "log_url": "https://app.kombo.dev/logs/1",
        },
    }
    return httpx.Response(status, json=body, headers=headers)


INTEGRATION = {
    "id": INTEGRATION_ID,
    "tool": {
        "id": "personio",
        "label": "Personio",
        "internal_label": None,
        "logo_url": "https://example.com/logo.svg",
        "icon_url": "https://example.com/icon.svg",
    },
    "category": "HRIS",
    "status": "ACTIVE",
    "setup_status": "COMPLETED",
    "end_user": {"organization_name": "Acme", "creator_email": None, "origin_id": "org_1"},
    "scope_config": {"id": "sc_1", "name": None},
    "data_expired_at": None,
    "created_at": "2026-11-01T10:00:00.000Z",
    "beta": False,
    "read_models": [],
    "write_actions": [],
}


class RecordedSleeps(list):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> RecordedSleeps:
    return RecordedSleeps()


@pytest.fixture
async def client(sleeps):
    async with KomboClient(BASE, API_KEY, sleep=sleeps, timeout_seconds=2) as client:
        yield client


@pytest.fixture
def kombo():
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        yield router


# -- each method, on success -----------------------------------------------------


async def test_create_link_sends_every_field_with_its_default_and_the_bearer_key(client, kombo):
    route = kombo.post("/connect/create-link").mock(
        return_value=success({"link": "https://connect.kombo.dev/v1?token=abc"})
    )

    link = await client.create_link(
        CreateLinkRequest(end_user_email="admin@acme.test", end_user_organization_name="Acme")
    )

    assert link == "https://connect.kombo.dev/v1?token=abc"
    request = route.calls.last.request
    assert request.headers["Authorization"] == f"Bearer {API_KEY}"
    assert json.loads(request.content) == {
        "end_user_email": "admin@acme.test",
        "end_user_organization_name": "Acme",
        "end_user_origin_id": None,
        "remote_environment": None,
        "integration_category": "HRIS",
        "integration_tool": None,
        "language": "en",
        "scope_config_id": None,
        "enable_filtering": False,
        "enable_field_mapping": False,
        "enable_static_ips": False,
        "link_type": "EMBEDDED",
    }


async def test_create_link_passes_chosen_options(client, kombo):
    route = kombo.post("/connect/create-link").mock(return_value=success({"link": "https://l"}))

    await client.create_link(
        CreateLinkRequest(
            end_user_email="admin@acme.test",
            end_user_organization_name="Acme",
            end_user_origin_id="org_1",
            integration_category=IntegrationCategory.ATS,
            integration_tool="greenhouse",
            language=Language.DE,
            link_type=LinkType.MAGIC_LINK,
        )
    )

    body = json.loads(route.calls.last.request.content)
    assert body["end_user_origin_id"] == "org_1"
    assert body["integration_category"] == "ATS"
    assert body["integration_tool"] == "greenhouse"
    assert body["language"] == "de"
    assert body["link_type"] == "MAGIC_LINK"


async def test_create_connection_link_returns_the_static_ips_kombo_sends(client, kombo):
    kombo.post("/connect/create-link").mock(
        return_value=success({"link": "https://l", "static_ips": ["203.0.113.7", "2001:db8::1"]})
    )

    created = await client.create_connection_link(
        CreateLinkRequest(
            end_user_email="admin@acme.test",
            end_user_organization_name="Acme",
            enable_static_ips=True,
        )
    )

    assert created.link == "https://l"
    assert created.static_ips == ("203.0.113.7", "2001:db8::1")


@pytest.mark.parametrize("static_ips", [None, []])
async def test_no_static_ips_is_an_empty_list(client, kombo, static_ips):
    kombo.post("/connect/create-link").mock(
        return_value=success({"link": "https://l", "static_ips": static_ips})
    )

    created = await client.create_connection_link(ACME_REQUEST)

    assert created.static_ips == ()


@pytest.mark.parametrize(
    "data",
    [
        {"static_ips": ["203.0.113.7"]},
        {"link": "", "static_ips": []},
        {"link": "https://l", "static_ips": "203.0.113.7"},
        {"link": "https://l", "static_ips": ["<script>"]},
        {"link": "https://l", "static_ips": [7]},
        {"link": "https://l", "static_ips": ["203.0.113.7"] * 33},
    ],
)
async def test_a_link_answer_without_a_link_or_with_bad_addresses_is_invalid(client, kombo, data):
    kombo.post("/connect/create-link").mock(return_value=success(data))

    with pytest.raises(KomboError) as caught:
        await client.create_connection_link(ACME_REQUEST)

    assert caught.value.kind is FailureKind.INVALID_RESPONSE
    assert "CreatedLink" in caught.value.message


ACME_REQUEST = CreateLinkRequest(
    end_user_email="admin@acme.test", end_user_organization_name="Acme"
)


TOKEN_DATA = {
    "tool": "personio",
    "id": INTEGRATION_ID,
    "end_user_origin_id": "org_1",
    "end_user_organization_name": "Acme",
    "end_user_email": "admin@acme.test",
    "setup_status": "COMPLETED",
}


async def test_integration_by_token_returns_the_flat_integration(client, kombo):
    kombo.get("/connect/integration-by-token/tok_123").mock(return_value=success(TOKEN_DATA))

    result = await client.integration_by_token("tok_123")

    assert result.id == INTEGRATION_ID
    assert result.tool == "personio"
    assert result.end_user_origin_id == "org_1"
    assert result.setup_status is SetupStatus.COMPLETED


async def test_token_is_encoded_so_it_cannot_reach_another_path(client, kombo):
    route = kombo.get(url__regex=r".*").mock(return_value=kombo_error(404, None, "no"))

    with pytest.raises(KomboError):
        await client.integration_by_token("../../integrations/x")

    assert route.calls.last.request.url.raw_path == (
        b"/v1/connect/integration-by-token/..%2F..%2Fintegrations%2Fx"
    )


async def test_get_integration_keeps_the_colon_of_the_id_unencoded(client, kombo):
    route = kombo.get(f"/integrations/{INTEGRATION_ID}").mock(return_value=success(INTEGRATION))

    integration = await client.get_integration(INTEGRATION_ID)

    assert route.calls.last.request.url.raw_path == f"/v1/integrations/{INTEGRATION_ID}".encode()
    assert integration.tool.label == "Personio"
    assert integration.category is IntegrationCategory.HRIS
    assert integration.status is IntegrationState.ACTIVE
    assert integration.created_at == datetime(2026, 11, 1, 10, tzinfo=UTC)


async def test_unknown_enum_values_and_extra_fields_do_not_break_parsing(client, kombo):
    newer = {**INTEGRATION, "category": "PAYROLL", "status": "PAUSED", "brand_new": {"x": 1}}
    kombo.get(f"/integrations/{INTEGRATION_ID}").mock(return_value=success(newer))

    integration = await client.get_integration(INTEGRATION_ID)

    assert integration.category == "PAYROLL"
    assert integration.status == "PAUSED"
    assert integration.model_extra == {"brand_new": {"x": 1}}


async def test_delete_integration_sends_an_empty_json_body(client, kombo):
    route = kombo.delete(f"/integrations/{INTEGRATION_ID}").mock(return_value=success({}))

    await client.delete_integration(INTEGRATION_ID)

    assert json.loads(route.calls.last.request.content) == {}


async def test_relink_returns_the_link(client, kombo):
    route = kombo.post(f"/integrations/{INTEGRATION_ID}/relink").mock(
        return_value=success({"link": "https://connect.kombo.dev/v1?token=relink"})
    )

    link = await client.create_relink_link(INTEGRATION_ID, language=Language.FR)

    assert link == "https://connect.kombo.dev/v1?token=relink"
    assert json.loads(route.calls.last.request.content) == {
        "link_type": "EMBEDDED",
        "language": "fr",
    }


async def test_setup_link_returns_the_link(client, kombo):
    route = kombo.post(f"/integrations/{INTEGRATION_ID}/setup-link").mock(
        return_value=success({"link": "https://connect.kombo.dev/v1?token=setup"})
    )

    link = await client.create_setup_link(INTEGRATION_ID)

    assert link == "https://connect.kombo.dev/v1?token=setup"
    assert json.loads(route.calls.last.request.content) == {"link_type": "EMBEDDED"}


async def test_set_enabled_sends_the_value(client, kombo):
    route = kombo.put(f"/integrations/{INTEGRATION_ID}/enabled").mock(return_value=success({}))

    await client.set_enabled(INTEGRATION_ID, False)

    assert json.loads(route.calls.last.request.content) == {"value": False}


async def test_list_tools_returns_typed_tools(client, kombo):
    kombo.get("/tools/ats").mock(
        return_value=success(
            {
                "tools": [
                    {"id": "greenhouse", "label": "Greenhouse", "assets": {"logo_url": "x"}},
                    {"id": "lever", "label": "Lever"},
                ]
            }
        )
    )

    tools = await client.list_tools(IntegrationCategory.ATS)

    assert [(tool.id, tool.label) for tool in tools] == [
        ("greenhouse", "Greenhouse"),
        ("lever", "Lever"),
    ]
    assert tools[0].assets.logo_url == "x"


async def test_check_api_key_returns_the_environment(client, kombo):
    kombo.get("/check-api-key").mock(return_value=success({"environment_id": "env_1"}))

    assert await client.check_api_key() == "env_1"


# -- errors ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (400, "PLATFORM.INPUT_INVALID"),
        (401, "PLATFORM.AUTHENTICATION_INVALID"),
        (404, "PLATFORM.INTEGRATION_NOT_FOUND"),
        (409, "INTEGRATION.SETUP_INCOMPLETE"),
        (500, "PLATFORM.UNKNOWN_ERROR"),
    ],
)
async def test_error_envelopes_become_kombo_errors_with_every_field(client, kombo, status, code):
    route = kombo.get(f"/integrations/{INTEGRATION_ID}").mock(
        return_value=kombo_error(status, code, "Something is wrong.")
    )

    with pytest.raises(KomboError) as caught:
        await client.get_integration(INTEGRATION_ID)

    error = caught.value
    assert (error.kind, error.status, error.code) == (FailureKind.API, status, code)
    assert error.title == "A title"
    assert error.message == "Something is wrong."
    assert error.log_url == "https://app.kombo.dev/logs/1"
    assert error.is_not_found == (code == "PLATFORM.INTEGRATION_NOT_FOUND")
    assert route.call_count == 1, "errors that are not transient are never retried"


async def test_an_error_envelope_with_null_code_keeps_its_message(client, kombo):
    kombo.get("/check-api-key").mock(return_value=kombo_error(400, None, "Bad."))

    with pytest.raises(KomboError) as caught:
        await client.check_api_key()

    assert caught.value.code is None
    assert str(caught.value) == "HTTP 400: Bad."


async def test_a_non_json_error_body_becomes_a_clear_kombo_error(client, kombo):
    kombo.get("/check-api-key").mock(
        return_value=httpx.Response(500, text="<html>Internal Server Error</html>")
    )

    with pytest.raises(KomboError) as caught:
        await client.check_api_key()

    assert caught.value.status == 500
    assert caught.value.message == "Kombo answered HTTP 500 with a body that is not JSON"


async def test_a_200_without_the_success_envelope_is_an_invalid_response(client, kombo):
    kombo.get("/check-api-key").mock(return_value=httpx.Response(200, text="not json"))

    with pytest.raises(KomboError) as caught:
        await client.check_api_key()

    assert caught.value.kind is FailureKind.INVALID_RESPONSE


async def test_a_201_is_not_a_success(client, kombo):
    kombo.get("/check-api-key").mock(
        return_value=httpx.Response(201, json={"status": "success", "data": {}})
    )

    with pytest.raises(KomboError) as caught:
        await client.check_api_key()

    assert caught.value.status == 201


async def test_a_result_missing_required_fields_is_an_invalid_response(client, kombo):
    kombo.get(f"/integrations/{INTEGRATION_ID}").mock(return_value=success({"id": "x"}))

    with pytest.raises(KomboError) as caught:
        await client.get_integration(INTEGRATION_ID)

    assert caught.value.kind is FailureKind.INVALID_RESPONSE
    assert "Integration" in caught.value.message


async def test_a_timeout_becomes_a_kombo_error_and_is_not_retried(client, kombo, sleeps):
    route = kombo.post("/connect/create-link").mock(side_effect=httpx.ReadTimeout("slow"))

    with pytest.raises(KomboError) as caught:
        await client.create_link(
            CreateLinkRequest(end_user_email="a@acme.test", end_user_organization_name="Acme")
        )

    assert caught.value.kind is FailureKind.TIMEOUT
    assert "did not answer" in caught.value.message
    assert route.call_count == 1
    assert sleeps == []


async def test_a_real_timeout_is_bounded_by_the_configured_seconds(unused_tcp_port):
    import asyncio

    async def silent(reader, writer):
        await asyncio.sleep(5)
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", unused_tcp_port)
    async with (
        server,
        KomboClient(
            f"http://127.0.0.1:{unused_tcp_port}/v1", API_KEY, timeout_seconds=0.3
        ) as client,
    ):
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(KomboError) as caught:
            await client.check_api_key()
        elapsed = loop.time() - started

    assert caught.value.kind is FailureKind.TIMEOUT
    assert elapsed < 3


# -- retries -------------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 502, 503, 504])
async def test_transient_statuses_are_retried_then_succeed(client, kombo, sleeps, status):
    route = kombo.get("/check-api-key").mock(
        side_effect=[kombo_error(status, None, "busy"), success({"environment_id": "env_1"})]
    )

    assert await client.check_api_key() == "env_1"
    assert route.call_count == 2
    assert len(sleeps) == 1
    assert 0 <= sleeps[0] <= RetryPolicy().base_delay_seconds


async def test_connection_errors_are_retried(client, kombo, sleeps):
    route = kombo.get("/check-api-key").mock(
        side_effect=[httpx.ConnectError("refused"), success({"environment_id": "env_1"})]
    )

    assert await client.check_api_key() == "env_1"
    assert route.call_count == 2


async def test_an_activation_token_is_sent_again_only_if_it_never_left(client, kombo, sleeps):
    # Dropped after sending: Kombo may have used the token up; a repeat would fail
    # for an integration that exists.
    dropped = kombo.get("/connect/integration-by-token/tok_dropped").mock(
        side_effect=[httpx.ReadError("reset"), success(TOKEN_DATA)]
    )
    refused = kombo.get("/connect/integration-by-token/tok_refused").mock(
        side_effect=[httpx.ConnectError("refused"), success(TOKEN_DATA)]
    )

    with pytest.raises(KomboError) as caught:
        await client.integration_by_token("tok_dropped")
    exchanged = await client.integration_by_token("tok_refused")

    assert caught.value.kind is FailureKind.CONNECTION
    assert dropped.call_count == 1
    assert refused.call_count == 2
    assert exchanged.id == TOKEN_DATA["id"]


async def test_retry_after_seconds_is_honoured(client, kombo, sleeps):
    kombo.get("/check-api-key").mock(
        side_effect=[
            kombo_error(429, "PLATFORM.RATE_LIMIT_EXCEEDED", "slow down", **{"Retry-After": "3"}),
            success({"environment_id": "env_1"}),
        ]
    )

    await client.check_api_key()

    assert sleeps == [3.0]


async def test_retry_after_http_date_is_honoured(client, kombo, sleeps):
    moment = format_datetime(datetime.now(UTC) + timedelta(seconds=5), usegmt=True)
    kombo.get("/check-api-key").mock(
        side_effect=[
            kombo_error(503, None, "down", **{"Retry-After": moment}),
            success({"environment_id": "env_1"}),
        ]
    )

    await client.check_api_key()

    assert len(sleeps) == 1
    assert 3 <= sleeps[0] <= 5


async def test_retries_stop_after_the_attempt_limit(client, kombo, sleeps):
    route = kombo.get("/check-api-key").mock(return_value=kombo_error(503, None, "down"))

    with pytest.raises(KomboError) as caught:
        await client.check_api_key()

    assert caught.value.status == 503
    assert route.call_count == RetryPolicy().max_attempts
    assert len(sleeps) == RetryPolicy().max_attempts - 1
    caps = [RetryPolicy().base_delay_seconds * 2**n for n in range(len(sleeps))]
    assert all(0 <= slept <= cap for slept, cap in zip(sleeps, caps, strict=True))


async def test_a_retry_after_beyond_the_time_budget_gives_up_at_once(client, kombo, sleeps):
    route = kombo.get("/check-api-key").mock(
        return_value=kombo_error(
            429, "PLATFORM.RATE_LIMIT_EXCEEDED", "later", **{"Retry-After": "60"}
        )
    )

    with pytest.raises(KomboError) as caught:
        await client.check_api_key()

    assert caught.value.code == "PLATFORM.RATE_LIMIT_EXCEEDED"
    assert caught.value.retry_after_seconds == 60
    assert route.call_count == 1
    assert sleeps == []


async def test_a_retry_is_made_only_if_a_whole_attempt_still_fits_the_budget(kombo, sleeps):
    # Waiting 4 s and then up to 2 s for the answer would overrun the 5 s budget.
    route = kombo.get("/check-api-key").mock(
        side_effect=[
            kombo_error(429, None, "later", **{"Retry-After": "4"}),
            kombo_error(429, None, "later", **{"Retry-After": "2"}),
            success({"environment_id": "env_1"}),
        ]
    )
    policy = RetryPolicy(budget_seconds=5)
    async with KomboClient(BASE, API_KEY, timeout_seconds=2, retry=policy, sleep=sleeps) as client:
        with pytest.raises(KomboError):
            await client.check_api_key()
        assert route.call_count == 1
        assert sleeps == []

        assert await client.check_api_key() == "env_1"  # 2 s + 2 s fits
        assert sleeps == [2.0]


# -- the timeout bounds the whole answer, whatever the transport -------------------


async def test_an_in_process_server_is_given_up_on_at_the_timeout():
    # httpx's in-process transport applies no timeout of its own.
    async def slow_app(scope, receive, send):
        await asyncio.sleep(5)

    async with KomboClient(
        BASE, API_KEY, timeout_seconds=0.3, transport=httpx.ASGITransport(app=slow_app)
    ) as client:
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(KomboError) as caught:
            await client.check_api_key()

    assert caught.value.kind is FailureKind.TIMEOUT
    assert loop.time() - started < 3


async def test_a_server_trickling_its_answer_is_given_up_on_at_the_timeout(unused_tcp_port):
    # A byte every 0.1 s: no single read waits long, the whole answer would take 5 s.
    async def trickle(reader, writer):
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n")
        for _ in range(50):
            writer.write(b" ")
            await writer.drain()
            await asyncio.sleep(0.1)
        writer.close()

    server = await asyncio.start_server(trickle, "127.0.0.1", unused_tcp_port)
    async with (
        server,
        KomboClient(
            f"http://127.0.0.1:{unused_tcp_port}/v1", API_KEY, timeout_seconds=0.5
        ) as client,
    ):
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(KomboError) as caught:
            await client.check_api_key()
        elapsed = loop.time() - started

    assert caught.value.kind is FailureKind.TIMEOUT
    assert elapsed < 3


async def test_a_connection_an_in_process_server_drops_is_retried(sleeps):
    calls = []

    async def flaky_app(scope, receive, send):
        calls.append(scope["path"])
        if len(calls) == 1:
            raise ConnectionResetError("dropped")
        body = json.dumps({"status": "success", "data": {"environment_id": "env_1"}}).encode()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})

    async with KomboClient(
        BASE, API_KEY, sleep=sleeps, transport=httpx.ASGITransport(app=flaky_app)
    ) as client:
        assert await client.check_api_key() == "env_1"

    assert len(calls) == 2


# -- the key stays secret --------------------------------------------------------


async def test_the_api_key_never_appears_in_logs_reprs_or_errors(client, kombo, caplog):
    caplog.set_level(logging.DEBUG)
    kombo.get("/check-api-key").mock(
        side_effect=[httpx.ConnectError("refused"), kombo_error(401, "X", "bad key")]
    )

    with pytest.raises(KomboError) as caught:
        await client.check_api_key()

    assert caplog.records, "the client logs its calls"
    visible = [caplog.text, repr(client), str(client), str(caught.value), repr(caught.value)]
    assert not any(API_KEY in text for text in visible)
