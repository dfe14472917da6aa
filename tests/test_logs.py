"""The portal's log lines: their formats, the id on each, and what never gets into them."""

from __future__ import annotations

import io
import json
import logging
import logging.config
import re
import sys
from datetime import datetime, timedelta

import httpx
import pytest
from reflex_base.event.context import EventContext
from sqlmodel import Session
from starlette.testclient import TestClient

from kombo_portal.api import create_backend_api
from kombo_portal.backend import build_backend, install_backend
from kombo_portal.config import LogFormat, LogLevel, Settings, SettingsError
from kombo_portal.db.transaction import transaction
from kombo_portal.kombo.signature import sign_webhook
from kombo_portal.logs import (
    PortalHandler,
    RedactSecrets,
    RequestIdMiddleware,
    configure_from_settings,
    configure_logging,
    log_id,
    secret_values_of,
)
from kombo_portal.records.accounts import create_organisation
from kombo_portal.redaction import REDACTED
from kombo_portal.sandbox.delivery import WebhookDeliverer
from kombo_portal.sandbox.outbox import WebhookSettings, enqueue_webhook
from kombo_portal.state.integrations import IntegrationsState
from kombo_portal.use_cases.tool_details import ToolDetailsFetcher
from tests.state.test_handlers import page_state, run

API_KEY = "ks_prod_3f9a8c7e6d5b4a39281706f5e4d3c2b1"
WEBHOOK_SECRET = "whsec_current_7Hq2mZ9xVb4LpR6t"
PREVIOUS_SECRET = "whsec_previous_Yc8Nw3Ks5Jd1Fg0a"
SECRET_KEY = "portal-secret-key-4f7c1a9e2b8d6035-and-more"
DB_PASSWORD = "db-pass@word-9Kx2"
# What a webhook's body says and its log lines must not: customers' names and emails.
ORGANISATION_NAME = "Quokka Distinctive Holdings"
CREATOR_EMAIL = "wilhelmina.zed@quokka.example"


def real_settings(**extra: str) -> Settings:
    return Settings.from_environment(
        {
            "KOMBO_API_KEY": API_KEY,
            "KOMBO_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "KOMBO_WEBHOOK_SECRET_PREVIOUS": PREVIOUS_SECRET,
            "PORTAL_SECRET_KEY": SECRET_KEY,
            "REFLEX_DB_URL": "postgresql://portal:db-pass%40word-9Kx2@db:5432/portal",
            **extra,
        }
    )


@pytest.fixture
def portal_log():
    """Configures the portal's logging into a buffer; `lines()` are the JSON lines."""
    stream = io.StringIO()

    class Captured:
        def configure(self, settings: Settings | None = None, **options):
            if settings is not None:
                return configure_from_settings(settings, stream=stream)
            return configure_logging(stream=stream, **options)

        def text(self) -> str:
            return stream.getvalue()

        def lines(self) -> list[dict]:
            return [json.loads(line) for line in stream.getvalue().splitlines()]

    yield Captured()
    logger = logging.getLogger("kombo_portal")
    for handler in [h for h in logger.handlers if isinstance(h, PortalHandler)]:
        logger.removeHandler(handler)
    logger.propagate = True
    logger.setLevel(logging.NOTSET)


log = logging.getLogger("kombo_portal.tests")


# -- settings ------------------------------------------------------------------------


def test_log_settings_default_to_text_and_info_and_ignore_case():
    default = Settings.from_environment({})
    assert (default.logging.format, default.logging.level) == (LogFormat.TEXT, LogLevel.INFO)
    chosen = Settings.from_environment({"PORTAL_LOG_FORMAT": "JSON", "PORTAL_LOG_LEVEL": "debug"})
    assert (chosen.logging.format, chosen.logging.level) == (LogFormat.JSON, LogLevel.DEBUG)
    blank = Settings.from_environment({"PORTAL_LOG_FORMAT": " ", "PORTAL_LOG_LEVEL": ""})
    assert (blank.logging.format, blank.logging.level) == (LogFormat.TEXT, LogLevel.INFO)


@pytest.mark.parametrize(
    ("variable", "value"), [("PORTAL_LOG_FORMAT", "xml"), ("PORTAL_LOG_LEVEL", "loud")]
)
def test_an_invalid_log_setting_is_one_line_naming_the_variable(variable, value):
    with pytest.raises(SettingsError) as caught:
        Settings.from_environment({variable: value})

    assert str(caught.value).startswith(f"{variable}: ")
    assert "\n" not in str(caught.value)


# -- formats -------------------------------------------------------------------------


def test_json_lines_carry_time_level_logger_message_id_and_extra_fields(portal_log):
    portal_log.configure(log_format="json")

    with log_id("req-123"):
        log.warning("Imported %d rows", 3, extra={"integration_id": "personio:AAAA"})
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception("It failed")

    first, second = portal_log.lines()
    assert first["level"] == "warning"
    assert first["logger"] == "kombo_portal.tests"
    assert first["message"] == "Imported 3 rows"
    assert first["request_id"] == "req-123"
    assert first["integration_id"] == "personio:AAAA"
    moment = datetime.fromisoformat(first["timestamp"])
    assert moment.utcoffset() == timedelta(0)
    assert "request_id" not in second, "outside a request, no id"
    assert second["level"] == "error"
    assert "ValueError: boom" in second["exception"]


def test_a_text_line_shows_the_id_and_stays_one_line(portal_log):
    portal_log.configure(log_format="text")

    with log_id("req-456"):
        log.info("Evil\nINFO forged line")

    [line] = portal_log.text().splitlines()
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00 INFO kombo_portal\.tests ", line)
    assert "[request_id=req-456]" in line
    assert line.endswith("Evil\\nINFO forged line")


def test_the_level_setting_drops_lower_lines(portal_log):
    portal_log.configure(log_format="json", level="WARNING")

    log.info("quiet")
    log.warning("loud")

    assert [line["message"] for line in portal_log.lines()] == ["loud"]


def test_portal_lines_are_not_written_again_by_a_root_handler(portal_log):
    portal_log.configure(log_format="json")
    elsewhere = io.StringIO()
    root_handler = logging.StreamHandler(elsewhere)
    logging.root.addHandler(root_handler)
    try:
        log.warning("once")
    finally:
        logging.root.removeHandler(root_handler)

    assert [line["message"] for line in portal_log.lines()] == ["once"]
    assert elsewhere.getvalue() == ""


def test_configuring_again_keeps_one_handler_and_survives_a_servers_dictconfig(portal_log):
    """What granian's workers do after the app is imported: dictConfig closes every
    handler, and may disable every logger it does not name."""
    portal_log.configure(log_format="json")
    portal_log.configure(log_format="json")
    assert len(logging.getLogger("kombo_portal").handlers) == 1
    loggers = logging.root.manager.loggerDict
    disabled_before = {
        n: lg.disabled for n, lg in loggers.items() if isinstance(lg, logging.Logger)
    }
    try:
        logging.config.dictConfig({"version": 1, "disable_existing_loggers": False})
        log.info("after a dictConfig")
        logging.config.dictConfig({"version": 1, "disable_existing_loggers": True})
        portal_log.configure(log_format="json")  # what the app's lifespan task does
        log.info("after a disabling dictConfig")
    finally:
        for name, disabled in disabled_before.items():
            loggers[name].disabled = disabled

    assert [line["message"] for line in portal_log.lines()] == [
        "after a dictConfig",
        "after a disabling dictConfig",
    ]


# -- request ids through the real webhook route ----------------------------------------


@pytest.fixture
def acme(engine) -> str:
    with transaction(engine) as session:
        return create_organisation(session, "Acme Inc.").id


def webhook_body(event_id: str, organisation_id: str) -> bytes:
    data = {
        "id": "personio:LOGS1",
        "tool": "personio",
        "category": "HRIS",
        "end_user": {
            "organization_name": ORGANISATION_NAME,
            "creator_email": CREATOR_EMAIL,
            "origin_id": organisation_id,
        },
    }
    return json.dumps({"id": event_id, "type": "integration-created", "data": data}).encode()


@pytest.fixture
def webhook_client(engine):
    """The webhook route as the app serves it: behind the request-id middleware."""
    api = create_backend_api(
        lambda: engine, get_webhook_secrets=lambda: (WEBHOOK_SECRET, PREVIOUS_SECRET)
    )
    return TestClient(RequestIdMiddleware(api))


class CarelessKombo:
    """A Kombo client whose error says the API key, as a careless library might."""

    async def get_integration(self, kombo_integration_id: str):
        raise RuntimeError(f"upstream refused key {API_KEY} for {kombo_integration_id}")


def post_webhook(client, body: bytes, secret: str, **headers: str):
    return client.post(
        "/webhooks/kombo",
        content=body,
        headers={"X-Kombo-Signature": sign_webhook(secret, body), **headers},
    )


def test_every_line_of_a_webhook_request_carries_its_id_which_the_response_echoes(
    portal_log, webhook_client, acme
):
    portal_log.configure(real_settings(PORTAL_LOG_FORMAT="json"))

    response = post_webhook(webhook_client, webhook_body("evt_ids_1", acme), WEBHOOK_SECRET)

    assert response.status_code == 200
    request_id = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{16}", request_id)
    lines = portal_log.lines()
    messages = [line["message"] for line in lines]
    assert "Webhook evt_ids_1 (integration-created): applied" in messages
    assert {line.get("request_id") for line in lines} == {request_id}


def test_a_safe_incoming_request_id_is_kept(portal_log, webhook_client, acme):
    portal_log.configure(log_format="json")

    response = post_webhook(
        webhook_client,
        webhook_body("evt_ids_2", acme),
        WEBHOOK_SECRET,
        **{"X-Request-ID": "lb-7f3a.9_c-1"},
    )

    assert response.headers["X-Request-ID"] == "lb-7f3a.9_c-1"
    assert {line.get("request_id") for line in portal_log.lines()} == {"lb-7f3a.9_c-1"}


@pytest.mark.parametrize(
    "unsafe", ["a" * 65, "has space", "semi;colon", "<script>", 'quote"d', "caf\u00e9"]
)
def test_an_unsafe_incoming_request_id_is_replaced(portal_log, webhook_client, acme, unsafe):
    portal_log.configure(log_format="json")

    response = webhook_client.post(
        "/webhooks/kombo",
        content=b"{}",
        headers={"X-Request-ID": unsafe.encode()},
    )

    assert response.status_code == 401
    replaced = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{16}", replaced)
    [line] = portal_log.lines()
    assert line["request_id"] == replaced
    assert unsafe not in portal_log.text()


def test_only_one_request_id_header_goes_out(webhook_client):
    response = webhook_client.post("/webhooks/kombo", content=b"{}")

    assert len(response.headers.get_list("X-Request-ID")) == 1


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_webhooks_leave_no_secret_and_no_body_in_the_logs(
    portal_log, webhook_client, acme, log_format
):
    portal_log.configure(real_settings(PORTAL_LOG_FORMAT=log_format))
    body = webhook_body("evt_secret_1", acme)

    good = post_webhook(webhook_client, body, WEBHOOK_SECRET)
    bad = post_webhook(webhook_client, webhook_body("evt_secret_2", acme), "whsec_wrong_one")
    rotated = post_webhook(webhook_client, webhook_body("evt_secret_3", acme), PREVIOUS_SECRET)

    assert (good.status_code, bad.status_code, rotated.status_code) == (200, 401, 200)
    output = portal_log.text()
    assert "Refused a webhook with a wrong signature" in output
    assert "Webhook evt_secret_1 (integration-created): applied" in output
    for leaked in (
        WEBHOOK_SECRET,
        PREVIOUS_SECRET,
        API_KEY,
        SECRET_KEY,
        ORGANISATION_NAME,
        CREATOR_EMAIL,
        "quokka",
        body.decode(),
    ):
        assert leaked.lower() not in output.lower(), leaked


async def test_a_failed_details_fetch_is_logged_without_the_secret_its_error_names(
    portal_log, webhook_client, acme, engine
):
    portal_log.configure(real_settings())
    post_webhook(webhook_client, webhook_body("evt_details_1", acme), WEBHOOK_SECRET)

    fetched = await ToolDetailsFetcher(lambda: engine, CarelessKombo()).fetch_due()  # type: ignore[arg-type]

    assert fetched == 0
    output = portal_log.text()
    assert "Details of personio:LOGS1 not recorded" in output
    # The error named the API key: the net caught it.
    assert f"upstream refused key {REDACTED}" in output
    assert API_KEY not in output


# -- the redaction net -----------------------------------------------------------------


def redacted(values, msg, *args, **kwargs) -> logging.LogRecord:
    record = logging.LogRecord("kombo_portal.x", logging.INFO, __file__, 1, msg, args, None)
    record.__dict__.update(kwargs)
    RedactSecrets(values).filter(record)
    return record


def test_the_filter_replaces_secrets_in_the_message_its_arguments_and_extras():
    record = redacted(
        ["s3cr3t-value-1", "another-secret-22"],
        "key s3cr3t-value-1 in %s",
        "https://u:another-secret-22@host/",
        detail="had s3cr3t-value-1",
    )

    assert record.getMessage() == f"key {REDACTED} in https://u:{REDACTED}@host/"
    assert record.detail == f"had {REDACTED}"


def test_the_filter_replaces_the_longer_of_two_overlapping_secrets_whole():
    record = redacted(["abcdefgh", "abcdefgh-and-more"], "x abcdefgh-and-more y abcdefgh")

    assert record.getMessage() == f"x {REDACTED} y {REDACTED}"


def test_the_filter_redacts_tracebacks():
    try:
        raise RuntimeError("connect with s3cr3t-value-1 failed")
    except RuntimeError:
        record = logging.LogRecord(
            "kombo_portal.x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info()
        )
    RedactSecrets(["s3cr3t-value-1"]).filter(record)

    assert "s3cr3t-value-1" not in logging.Formatter().format(record)
    assert REDACTED in record.exc_text


def test_values_too_short_to_tell_from_words_are_left_alone():
    record = redacted(["pass", ""], "a pass through")

    assert record.getMessage() == "a pass through"


def test_every_secret_setting_is_on_the_redaction_list():
    values = secret_values_of(
        real_settings(
            REFLEX_REDIS_URL="redis://:redis-pass-77@cache:6379/0",
            KOMBO_SANDBOX_API_KEY="ks_dev_custom_sandbox_key",
            PORTAL_HANDOFF_SECRET="the-products-hand-off-secret-0123456789",
            PORTAL_HANDOFF_ISSUER="https://app.test",
        )
    )

    for secret in (
        API_KEY,
        WEBHOOK_SECRET,
        PREVIOUS_SECRET,
        SECRET_KEY,
        DB_PASSWORD,
        "db-pass%40word-9Kx2",
        "redis-pass-77",
        "ks_dev_custom_sandbox_key",
        "the-products-hand-off-secret-0123456789",
    ):
        assert secret in values


# -- Reflex events ----------------------------------------------------------------------


@pytest.fixture
async def backend(engine):
    built = build_backend(Settings.from_environment({}), lambda: engine, backend_url="http://t")
    install_backend(built)
    yield built
    await built.kombo.aclose()


async def test_a_line_written_by_an_event_handler_carries_the_events_id(
    portal_log, engine, backend, people
):
    portal_log.configure(log_format="json")
    state = page_state(engine, backend, "admin@acme.test")
    # Reflex runs each event with an EventContext of its own; its txid is the event's id.
    event = EventContext(token="tab-1", state_manager=None, enqueue_impl=None)

    # A request id inherited from the transport does not hide the event's own.
    with log_id("transport-request"), event:
        await run(IntegrationsState.disconnect, state, "not-an-integration")

    [line] = portal_log.lines()
    assert line["message"].startswith("Refused disconnect of 'not-an-integration' for user ")
    assert line["event_id"] == event.txid
    assert "request_id" not in line
    assert "admin@acme.test" not in portal_log.text(), "a user id, not an email"


# -- the sandbox's webhook deliverer ------------------------------------------------------


async def test_a_sandbox_delivery_and_the_portals_answer_to_it_share_one_id(portal_log, engine):
    portal_log.configure(log_format="json")
    portal = RequestIdMiddleware(
        create_backend_api(lambda: engine, get_webhook_secrets=lambda: (WEBHOOK_SECRET,))
    )
    target = "http://hook-user:hook-pass-31337@portal.test/webhooks/kombo?token=query-secret"
    with Session(engine) as session:
        enqueue_webhook(session, WebhookSettings(target), "integration-created", {"end_user": {}})
        session.commit()
    # Signed with another secret: the portal refuses it, and both sides log that.
    deliverer = WebhookDeliverer(
        engine, "whsec_not_the_portals", transport=httpx.ASGITransport(app=portal)
    )

    assert await deliverer.deliver_due() == 0

    refused, failed = portal_log.lines()
    assert refused["logger"] == "kombo_portal.api.webhooks"
    assert failed["logger"] == "kombo_portal.sandbox.delivery"
    assert refused["request_id"] == failed["request_id"]
    assert "http://portal.test/webhooks/kombo" in failed["message"]
    assert "hook-pass-31337" not in portal_log.text()
    assert "query-secret" not in portal_log.text()
