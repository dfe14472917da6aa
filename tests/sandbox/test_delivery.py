"""Webhooks leave the sandbox over real HTTP, signed as Kombo signs them, at least once."""

import asyncio
import json
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from kombo_portal.db.models import as_utc, utc_now
from kombo_portal.kombo.signature import sign_webhook, verify_webhook_signature
from kombo_portal.sandbox.__main__ import build_parser
from kombo_portal.sandbox.delivery import MAX_ATTEMPTS, WebhookDeliverer, retry_wait
from kombo_portal.sandbox.models import SandboxWebhookDelivery
from kombo_portal.sandbox.outbox import WebhookSettings, enqueue_webhook
from tests.support.webhook_receiver import webhook_receiver

SECRET = "whsec_delivery_test"


@pytest.fixture
def receiver():
    with webhook_receiver() as receiver:
        yield receiver


def enqueue(engine, receiver, *, send_twice=False) -> str:
    with Session(engine) as session:
        event_id = enqueue_webhook(
            session,
            WebhookSettings(receiver.url, send_twice=send_twice),
            "integration-created",
            {"id": "personio:abc", "tool": "personio", "category": "HRIS", "end_user": {}},
        )
        session.commit()
    return event_id


def deliveries(engine) -> list[SandboxWebhookDelivery]:
    with Session(engine) as session:
        return list(session.exec(select(SandboxWebhookDelivery)).all())


def make_all_due(engine) -> None:
    with Session(engine) as session:
        for delivery in session.exec(select(SandboxWebhookDelivery)).all():
            delivery.next_attempt_at = delivery.created_at - timedelta(seconds=1)
            session.add(delivery)
        session.commit()


async def test_a_webhook_arrives_signed_over_its_pretty_printed_bytes(engine, receiver):
    event_id = enqueue(engine, receiver)

    sent = await WebhookDeliverer(engine, SECRET).deliver_due()

    assert sent == 1
    [webhook] = receiver.received
    assert webhook.headers["content-type"] == "application/json"
    assert webhook.body.startswith(b'{\n  "id": ')
    assert json.loads(webhook.body)["id"] == event_id
    signature = webhook.headers["x-kombo-signature"]
    assert len(signature) == 43
    assert signature == sign_webhook(SECRET, webhook.body)
    assert verify_webhook_signature([SECRET], webhook.body, signature)
    [delivery] = deliveries(engine)
    assert delivery.delivered_at is not None
    assert delivery.last_status == 200


async def test_a_refused_webhook_is_retried_until_it_is_accepted(engine, receiver):
    receiver.statuses = [500, 503]
    enqueue(engine, receiver)
    deliverer = WebhookDeliverer(engine, SECRET)

    assert await deliverer.deliver_due() == 0
    assert await deliverer.deliver_due() == 0, "not due again before its retry wait"
    make_all_due(engine)
    assert await deliverer.deliver_due() == 0
    make_all_due(engine)
    assert await deliverer.deliver_due() == 1

    assert len(receiver.received) == 3
    assert len({webhook.body for webhook in receiver.received}) == 1, "the same bytes each time"
    [delivery] = deliveries(engine)
    assert (delivery.attempts, delivery.last_status) == (3, 200)


async def test_an_unreachable_receiver_is_retried(engine):
    with webhook_receiver() as receiver:
        closed_url = receiver.url
    with Session(engine) as session:
        enqueue_webhook(session, WebhookSettings(closed_url), "data-changed", {})
        session.commit()

    assert await WebhookDeliverer(engine, SECRET).deliver_due() == 0

    [delivery] = deliveries(engine)
    assert delivery.attempts == 1
    assert delivery.delivered_at is None
    assert delivery.last_error.startswith("ConnectError")


async def test_send_twice_delivers_the_same_event_twice(engine, receiver):
    event_id = enqueue(engine, receiver, send_twice=True)

    assert await WebhookDeliverer(engine, SECRET).deliver_due() == 2

    assert [json.loads(w.body)["id"] for w in receiver.received] == [event_id, event_id]


async def test_two_deliverers_sharing_the_database_send_each_row_once(engine, receiver):
    event_ids = {enqueue(engine, receiver) for _ in range(20)}

    sent = await asyncio.gather(
        WebhookDeliverer(engine, SECRET).deliver_due(),
        WebhookDeliverer(engine, SECRET).deliver_due(),
    )

    assert sum(sent) == 20
    received = [json.loads(webhook.body)["id"] for webhook in receiver.received]
    assert sorted(received) == sorted(event_ids)


async def test_a_delivered_webhook_is_not_sent_again(engine, receiver):
    enqueue(engine, receiver)
    deliverer = WebhookDeliverer(engine, SECRET)

    assert await deliverer.deliver_due() == 1
    make_all_due(engine)
    assert await deliverer.deliver_due() == 0
    assert len(receiver.received) == 1


def test_retry_waits_grow_and_are_capped():
    waits = [retry_wait(attempt).total_seconds() for attempt in range(1, MAX_ATTEMPTS + 1)]

    assert waits[:4] == [1, 2, 4, 8]
    assert max(waits) == 60
    assert waits == sorted(waits)


async def test_the_longest_retry_wait_can_be_shortened(engine):
    with webhook_receiver() as receiver:
        closed_url = receiver.url
    with Session(engine) as session:
        enqueue_webhook(session, WebhookSettings(closed_url), "data-changed", {})
        session.commit()
    with Session(engine) as session:
        [delivery] = session.exec(select(SandboxWebhookDelivery)).all()
        delivery.attempts = 9  # the next wait would be 512 s, capped at 60 s by default
        session.add(delivery)
        session.commit()

    before = utc_now()
    deliverer = WebhookDeliverer(engine, SECRET, max_retry_wait=timedelta(seconds=5))
    assert await deliverer.deliver_due() == 0

    [delivery] = deliveries(engine)
    assert delivery.attempts == 10
    wait = as_utc(delivery.next_attempt_at) - before
    assert timedelta(seconds=5) <= wait < timedelta(seconds=10)


def test_the_standalone_sandbox_takes_the_longest_retry_wait_in_seconds(capsys):
    parser = build_parser()

    assert parser.parse_args([]).max_retry_wait == 60
    assert parser.parse_args(["--max-retry-wait", "5"]).max_retry_wait == 5
    for refused in ("0", "soon", "86400"):
        with pytest.raises(SystemExit):
            parser.parse_args(["--max-retry-wait", refused])
    assert "--max-retry-wait" in capsys.readouterr().err
