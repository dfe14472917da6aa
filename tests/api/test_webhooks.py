"""`POST /webhooks/kombo` through a real HTTP test client: every bad input gets its
status and stores nothing; every signed event is applied exactly once."""

import json
import threading

import pytest
from sqlalchemy import event as sa_event
from sqlmodel import Session, select
from starlette.testclient import TestClient

from kombo_portal.api import create_backend_api
from kombo_portal.db.models import FlowFailure, Integration, Organisation, WebhookEvent
from kombo_portal.db.transaction import transaction
from kombo_portal.kombo.signature import sign_webhook
from kombo_portal.records.accounts import create_organisation
from kombo_portal.records.activity import activity_page
from kombo_portal.records.integrations import IntegrationFacts, record_integration

SECRET = "whsec_current"
PREVIOUS = "whsec_previous"


@pytest.fixture
def acme(engine) -> str:
    with transaction(engine) as session:
        return create_organisation(session, "Acme Inc.").id


@pytest.fixture
def client(engine):
    return TestClient(
        create_backend_api(lambda: engine, get_webhook_secrets=lambda: (SECRET, PREVIOUS))
    )


def body_of(event_id: str, event_type: str, data: dict) -> bytes:
    return json.dumps({"id": event_id, "type": event_type, "data": data}, indent=2).encode()


def post(client, body: bytes, secret: str | None = SECRET, path="/webhooks/kombo", **headers):
    if secret is not None:
        headers.setdefault("X-Kombo-Signature", sign_webhook(secret, body))
    return client.post(path, content=body, headers={"Content-Type": "application/json", **headers})


def created(
    event_id: str, origin_id: str, integration_id="personio:AAAA", tool="personio"
) -> bytes:
    return body_of(
        event_id,
        "integration-created",
        {
            "id": integration_id,
            "tool": tool,
            "category": "HRIS",
            "end_user": {
                "organization_name": "Acme",
                "creator_email": None,
                "origin_id": origin_id,
            },
        },
    )


def deleted(event_id: str, integration_id="personio:AAAA") -> bytes:
    return body_of(
        event_id,
        "integration-deleted",
        {
            "id": integration_id,
            "tool": "personio",
            "category": "HRIS",
            "end_user": {"organization_name": "Acme", "creator_email": None, "origin_id": None},
            "deleted_at": "2026-11-29T10:00:00.000Z",
        },
    )


def state_changed(event_id: str, state: str, integration_id="personio:AAAA") -> bytes:
    return body_of(
        event_id,
        "integration-state-changed",
        {
            "integration_id": integration_id,
            "integration_tool": "personio",
            "integration_category": "HRIS",
            "end_user": {"organization_name": "Acme", "creator_email": None, "origin_id": None},
            "qa_status": "PASSED",
            "setup_status": "COMPLETED",
            "state": state,
            "updated_at": "2026-11-29T10:00:00.000Z",
        },
    )


def inbox(engine) -> list[WebhookEvent]:
    with Session(engine) as session:
        return list(session.exec(select(WebhookEvent)))


def records(engine) -> list[Integration]:
    with Session(engine) as session:
        return list(session.exec(select(Integration)))


def version(engine, organisation_id: str) -> int:
    with Session(engine) as session:
        return session.get(Organisation, organisation_id).version


# -- the signature -----------------------------------------------------------------


def test_a_signed_integration_created_is_stored_and_applied(client, engine, acme):
    response = post(client, created("evt_1", acme))

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "outcome": "applied"}
    [record] = records(engine)
    assert (record.kombo_integration_id, record.organisation_id) == ("personio:AAAA", acme)
    assert (record.category, record.tool_id, record.state) == ("HRIS", "personio", "ACTIVE")
    [stored] = inbox(engine)
    assert stored.applied_at is not None and stored.organisation_id == acme
    assert version(engine, acme) == 1


def test_the_reference_test_vectors_are_accepted_as_signed(engine):
    # Kombo's documented vectors: the route must accept exactly these signatures.
    vectors = [
        (
            "whsec_test_123",
            b'{"id":"evt_1","type":"integration-created"}',
            "pJRUclmjYrEGZYAiJH_mhlCINQA6efLMQXW1Ei3KggE",
            400,  # signed, but without `data` it is not an event
        ),
        (
            "another-secret",
            b'{\n  "id": "evt_2",\n  "type": "integration-deleted",\n  "data": {}\n}',
            "ppeWp4E5vQvCtqDgs3Lg-7t2rM0ojNawdkacWYMz3fU",
            200,
        ),
    ]
    for secret, body, signature, status in vectors:
        client = TestClient(
            create_backend_api(lambda: engine, get_webhook_secrets=lambda s=secret: [s])
        )

        response = client.post(
            "/webhooks/kombo", content=body, headers={"X-Kombo-Signature": signature}
        )

        assert response.status_code == status
    assert [(event.id, event.flag) for event in inbox(engine)] == [
        ("evt_2", "no usable integration id")
    ]


def test_the_previous_secret_is_accepted_during_rotation(client, engine, acme):
    assert post(client, created("evt_1", acme), secret=PREVIOUS).status_code == 200


def test_kombos_guide_path_is_the_same_route(client, engine, acme):
    response = post(client, created("evt_1", acme), path="/webhooks/kombo/integration-created")

    assert response.status_code == 200
    assert len(records(engine)) == 1


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "",
        "not-a-signature",
        sign_webhook("whsec_wrong", created("evt_1", "x")),
        sign_webhook(SECRET, created("evt_1", "x")) + "=",
        "a" * 64,
    ],
    ids=["missing", "empty", "garbage", "wrong secret", "padded", "hex-like"],
)
def test_unsigned_or_wrongly_signed_bodies_are_refused_and_nothing_stored(
    client, engine, acme, signature, caplog
):
    body = created("evt_1", acme)
    headers = {} if signature is None else {"X-Kombo-Signature": signature}

    response = post(client, body, secret=None, **headers)

    assert response.status_code == 401
    assert inbox(engine) == [] and records(engine) == []
    assert "evt_1" not in caplog.text and "personio" not in caplog.text, "no body in logs"


def test_a_tampered_body_is_refused(client, engine, acme):
    body = created("evt_1", acme)
    signature = sign_webhook(SECRET, body)

    response = post(client, body.replace(b"personio", b"hibob!!!"), secret=None,
                    **{"X-Kombo-Signature": signature})  # fmt: skip

    assert response.status_code == 401
    assert inbox(engine) == []


def test_a_hex_signature_of_the_right_body_is_refused(client, engine, acme):
    import hashlib
    import hmac

    body = created("evt_1", acme)
    hex_signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()

    assert (
        post(client, body, secret=None, **{"X-Kombo-Signature": hex_signature}).status_code == 401
    )


# -- bad input -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"", 400),
        (b"\xff\xfe not utf-8", 400),
        (b"not json", 400),
        (b"[1, 2, 3]", 400),
        (b'"just a string"', 400),
        (b'{"type": "integration-created", "data": {}}', 400),
        (b'{"id": "evt_1", "data": {}}', 400),
        (b'{"id": "evt_1", "type": "integration-created"}', 400),
        (b'{"id": 7, "type": "integration-created", "data": {}}', 400),
        (b'{"id": "evt_1", "type": ["x"], "data": {}}', 400),
        (b'{"id": "evt_1", "type": "integration-created", "data": []}', 400),
        (b'{"id": "", "type": "integration-created", "data": {}}', 400),
        (json.dumps({"id": "e" * 201, "type": "x", "data": {}}).encode(), 400),
        (json.dumps({"id": "evt_1", "type": "t" * 101, "data": {}}).encode(), 400),
    ],
    ids=[
        "empty", "invalid utf-8", "not json", "array", "string", "no id", "no type", "no data",
        "id not a string", "type not a string", "data not an object", "empty id", "huge id",
        "huge type",
    ],
)  # fmt: skip
def test_bad_bodies_get_400_and_nothing_is_stored(client, engine, body, status):
    response = post(client, body)

    assert response.status_code == status
    assert response.json()["status"] == "error"
    assert inbox(engine) == []


def test_a_body_over_one_mebibyte_gets_413(client, engine):
    body = b'{"id": "evt_big", "type": "x", "data": {"pad": "' + b"x" * (2 * 1024 * 1024) + b'"}}'

    response = post(client, body)

    assert response.status_code == 413
    assert inbox(engine) == []


def test_a_large_body_without_a_length_is_cut_off_while_streaming(client, engine):
    def chunks():
        yield b'{"id": "evt_big", "type": "x", "data": {"pad": "'
        for _ in range(40):
            yield b"x" * 65536

    response = client.post(
        "/webhooks/kombo", content=chunks(), headers={"X-Kombo-Signature": "irrelevant"}
    )

    assert response.status_code == 413
    assert inbox(engine) == []


def test_only_post_is_answered(client):
    assert client.get("/webhooks/kombo").status_code == 405


# -- idempotency and order -----------------------------------------------------------


def test_the_same_event_twice_is_applied_once(client, engine, acme):
    first = post(client, created("evt_1", acme))
    second = post(client, created("evt_1", acme))

    assert (first.json()["outcome"], second.json()["outcome"]) == ("applied", "duplicate")
    assert second.status_code == 200
    assert len(records(engine)) == 1 and len(inbox(engine)) == 1
    assert version(engine, acme) == 1


def test_created_then_deleted_marks_the_record_removed_and_keeps_it(client, engine, acme):
    post(client, created("evt_1", acme))
    response = post(client, deleted("evt_2"))

    assert response.json()["outcome"] == "applied"
    [record] = records(engine)
    assert record.removed_at is not None


def test_deleted_before_created_is_applied_when_the_integration_appears(client, engine, acme):
    early = post(client, deleted("evt_2"))
    assert early.json()["outcome"] == "waiting"

    post(client, created("evt_1", acme))

    [record] = records(engine)
    assert record.removed_at is not None, "the earlier deletion was not forgotten"
    assert all(event.applied_at is not None for event in inbox(engine))


def test_a_state_change_before_created_is_applied_when_the_integration_appears(
    client, engine, acme
):
    post(client, state_changed("evt_2", "INVALID"))
    post(client, created("evt_1", acme))

    [record] = records(engine)
    assert record.state == "INVALID"


def test_a_late_state_change_never_resurrects_a_deleted_integration(client, engine, acme):
    post(client, created("evt_1", acme))
    post(client, deleted("evt_2"))

    post(client, state_changed("evt_3", "ACTIVE"))

    [record] = records(engine)
    assert record.removed_at is not None


def test_an_invalid_state_is_recorded_for_the_card(client, engine, acme):
    post(client, created("evt_1", acme))

    post(client, state_changed("evt_2", "INVALID"))

    [record] = records(engine)
    assert (record.state, record.qa_status) == ("INVALID", "PASSED")


def test_an_unknown_organisation_is_stored_flagged_and_answered_200(client, engine, acme):
    response = post(client, created("evt_1", "no-such-organisation"))

    assert response.status_code == 200
    assert response.json()["outcome"] == "flagged"
    [stored] = inbox(engine)
    assert stored.flag.startswith("unknown organisation")
    assert records(engine) == []


def test_an_integration_of_another_organisation_is_never_moved(client, engine, acme):
    with transaction(engine) as session:
        globex = create_organisation(session, "Globex").id
    post(client, created("evt_1", acme))

    response = post(client, created("evt_2", globex))

    assert response.json()["outcome"] == "flagged"
    [record] = records(engine)
    assert record.organisation_id == acme


def test_a_failed_flow_is_recorded_for_the_organisation(client, engine, acme):
    body = body_of(
        "evt_1",
        "connection-flow-failed",
        {
            "integration_tool": "personio",
            "integration_category": "HRIS",
            "end_user": {"organization_name": "Acme", "creator_email": None, "origin_id": acme},
            "log_url": "https://app.kombo.dev/logs/1",
        },
    )

    assert post(client, body).json()["outcome"] == "applied"

    with Session(engine) as session:
        [failure] = session.exec(select(FlowFailure)).all()
    assert (failure.organisation_id, failure.tool_id, failure.category) == (
        acme,
        "personio",
        "HRIS",
    )


def test_data_changed_is_recorded_as_the_integrations_last_activity(client, engine, acme):
    post(client, created("evt_1", acme))
    body = body_of(
        "evt_2",
        "data-changed",
        {
            "integration_id": "personio:AAAA",
            "integration_tool": "personio",
            "integration_category": "HRIS",
            "changed_models": [{"name": "hris_employees"}],
        },
    )

    assert post(client, body).json()["outcome"] == "applied"
    assert records(engine)[0].last_data_activity_at is not None


def test_other_types_are_stored_and_acknowledged(client, engine):
    response = post(client, body_of("evt_9", "assessment:order-received", {"anything": [1, 2]}))

    assert response.status_code == 200
    assert response.json()["outcome"] == "stored"
    assert [(event.type, event.flag) for event in inbox(engine)] == [
        ("assessment:order-received", None)
    ]


# -- failures and races --------------------------------------------------------------


def test_a_failing_commit_answers_503_stores_nothing_and_the_retry_succeeds(client, engine, acme):
    failures = {"left": 1}

    def fail_once(_session):
        if failures["left"]:
            failures["left"] -= 1
            raise ConnectionError_("the database went away")

    from sqlalchemy.exc import OperationalError

    class ConnectionError_(OperationalError):
        def __init__(self, message):
            super().__init__(message, None, Exception(message))

    sa_event.listen(Session, "before_commit", fail_once)
    try:
        failed = post(client, created("evt_1", acme))
        assert failed.status_code == 503
        assert inbox(engine) == [] and records(engine) == []

        retried = post(client, created("evt_1", acme))
    finally:
        sa_event.remove(Session, "before_commit", fail_once)

    assert retried.status_code == 200
    assert len(records(engine)) == 1 and len(inbox(engine)) == 1


def test_the_same_event_delivered_concurrently_is_applied_once(engine, acme):
    client = TestClient(create_backend_api(lambda: engine, get_webhook_secrets=lambda: (SECRET,)))
    body = created("evt_1", acme)
    answers = []

    def deliver():
        answers.append(post(client, body).json()["outcome"])

    threads = [threading.Thread(target=deliver) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(answers) == ["applied"] + ["duplicate"] * 5
    assert len(records(engine)) == 1 and len(inbox(engine)) == 1


def test_activation_and_webhook_racing_end_with_one_record(engine, acme):
    client = TestClient(create_backend_api(lambda: engine, get_webhook_secrets=lambda: (SECRET,)))
    barrier = threading.Barrier(2)
    errors = []

    def activation():
        barrier.wait()
        try:
            with transaction(engine) as session:
                record_integration(
                    session,
                    IntegrationFacts(
                        kombo_integration_id="personio:AAAA",
                        organisation_id=acme,
                        category="HRIS",
                        tool_id="personio",
                        tool_label="Personio",
                    ),
                )
        except Exception as error:  # the test reports it below
            errors.append(error)

    def webhook():
        barrier.wait()
        if post(client, created("evt_1", acme)).status_code != 200:
            errors.append("webhook refused")

    threads = [threading.Thread(target=activation), threading.Thread(target=webhook)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    [record] = records(engine)
    assert record.tool_label == "Personio"


def test_a_created_integration_asks_for_its_details_once_it_is_stored(engine, acme):
    asked = []

    def details_needed() -> None:
        # Called after the event is stored: the record is there, waiting for them.
        asked.append(
            [(r.kombo_integration_id, r.details_due_at is not None) for r in records(engine)]
        )

    client = TestClient(
        create_backend_api(
            lambda: engine, get_webhook_secrets=lambda: (SECRET,), details_needed=details_needed
        )
    )

    response = post(client, created("evt_1", acme))
    again = post(client, created("evt_1", acme))  # a duplicate asks for nothing

    assert (response.status_code, again.json()["outcome"]) == (200, "duplicate")
    assert asked == [[("personio:AAAA", True)]]


def test_a_created_event_without_category_or_tool_is_flagged_not_half_recorded(
    client, engine, acme
):
    body = body_of(
        "evt_1",
        "integration-created",
        {"id": "personio:AAAA", "end_user": {"origin_id": acme}},
    )

    response = post(client, body)

    assert response.json()["outcome"] == "flagged"
    assert records(engine) == []
    assert inbox(engine)[0].flag == "no usable category or tool"


# -- what the review of the route tried ------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b'{"id": "evt_1", "type": "x", "data": {"n": ' + b"9" * 5000 + b"}}",
        b'{"id": "evt_1", "type": "x", "data": ' + b'{"a": ' * 5000 + b"1" + b"}" * 5001,
        b'{"id": "evt_\\ud800", "type": "x", "data": {}}',
        b'{"id": "evt_\\u0000", "type": "x", "data": {}}',
    ],
    ids=["number too long", "nested too deep", "lone surrogate in id", "NUL in id"],
)
def test_signed_bodies_json_cannot_represent_get_400(client, engine, body):
    response = post(client, body)

    assert response.status_code == 400
    assert inbox(engine) == []


@pytest.mark.parametrize(
    ("data", "flag"),
    [
        ({"category": "C" * 20, "tool": "personio"}, "no usable category or tool"),
        ({"category": "HRIS", "tool": "t" * 150}, "no usable category or tool"),
        ({"category": "HRIS", "tool": "per\u0000sonio"}, "no usable category or tool"),
        ({"category": "HRIS", "tool": "\ud800"}, "no usable category or tool"),
        ({"category": 7, "tool": ["personio"]}, "no usable category or tool"),
    ],
    ids=["category too long", "tool too long", "NUL in tool", "lone surrogate", "wrong types"],
)
def test_created_events_with_unusable_fields_are_stored_flagged_never_503(
    client, engine, acme, data, flag
):
    payload = {
        "id": "evt_1",
        "type": "integration-created",
        "data": {"id": "personio:AAAA", "end_user": {"origin_id": acme}, **data},
    }
    body = json.dumps(payload).encode()

    response = post(client, body)

    assert response.status_code == 200, response.text
    assert response.json()["outcome"] == "flagged"
    assert inbox(engine)[0].flag == flag
    assert records(engine) == []


def test_a_waiting_state_change_with_an_unusable_state_never_blocks_the_integration(
    client, engine, acme
):
    post(client, state_changed("evt_2", "S" * 40))

    response = post(client, created("evt_1", acme))

    assert response.status_code == 200
    [record] = records(engine)
    assert record.state == "ACTIVE"


def test_a_deletion_naming_another_organisation_is_flagged_not_applied(client, engine, acme):
    with transaction(engine) as session:
        globex = create_organisation(session, "Globex").id
    post(client, created("evt_1", acme))
    body = json.loads(deleted("evt_2"))
    body["data"]["end_user"]["origin_id"] = globex

    response = post(client, json.dumps(body).encode())

    assert response.json()["outcome"] == "flagged"
    assert records(engine)[0].removed_at is None


def test_a_waiting_deletion_naming_another_organisation_is_never_applied(client, engine, acme):
    with transaction(engine) as session:
        globex = create_organisation(session, "Globex").id
    body = json.loads(deleted("evt_2"))
    body["data"]["end_user"]["origin_id"] = globex
    post(client, json.dumps(body).encode())

    post(client, created("evt_1", acme))

    [record] = records(engine)
    assert record.removed_at is None
    assert {event.id: event.flag for event in inbox(engine)}["evt_2"] is not None


def naming(body: bytes, origin_id: str) -> bytes:
    payload = json.loads(body)
    payload["data"]["end_user"]["origin_id"] = origin_id
    return json.dumps(payload).encode()


@pytest.mark.parametrize(
    "event",
    [
        lambda origin: created("evt_2", origin, tool="hibob"),
        lambda origin: naming(deleted("evt_2"), origin),
        lambda origin: naming(state_changed("evt_2", "INVALID"), origin),
    ],
    ids=["created", "deleted", "state-changed"],
)
def test_no_event_naming_another_organisation_moves_or_changes_an_integration(
    client, engine, acme, event
):
    with transaction(engine) as session:
        globex = create_organisation(session, "Globex").id
    post(client, created("evt_1", acme))
    [before] = records(engine)

    response = post(client, event(globex))

    assert (response.status_code, response.json()["outcome"]) == (200, "flagged")
    [after] = records(engine)
    assert (after.organisation_id, after.tool_id, after.state, after.removed_at) == (
        acme,
        "personio",
        "ACTIVE",
        None,
    )
    assert after.updated_at == before.updated_at
    assert version(engine, globex) == 0
    with Session(engine) as session:
        assert activity_page(session, globex) == ([], False), "nothing shown to Globex"


@pytest.mark.parametrize(
    "event",
    [
        lambda origin: naming(deleted("evt_2"), origin),
        lambda origin: naming(state_changed("evt_2", "INVALID"), origin),
    ],
    ids=["deleted", "state-changed"],
)
def test_an_event_naming_an_organisation_by_an_id_longer_than_ours_is_flagged(
    client, engine, acme, event
):
    # Not one of the portal's ids (32 characters), but it names someone else all the same.
    post(client, created("evt_1", acme))

    response = post(client, event("o" * 40))

    assert (response.status_code, response.json()["outcome"]) == (200, "flagged")
    [record] = records(engine)
    assert (record.state, record.removed_at) == ("ACTIVE", None)


def test_older_state_news_never_overwrites_newer(client, engine, acme):
    post(client, created("evt_1", acme))
    newer = json.loads(state_changed("evt_2", "INVALID"))
    newer["data"]["updated_at"] = "2026-11-29T12:00:00.000Z"
    older = json.loads(state_changed("evt_3", "ACTIVE"))
    older["data"]["updated_at"] = "2026-11-29T11:00:00.000Z"

    post(client, json.dumps(newer).encode())
    post(client, json.dumps(older).encode())

    assert records(engine)[0].state == "INVALID"


@pytest.mark.parametrize("rounds", [range(8)], ids=["8 rounds"])
def test_a_deletion_racing_the_creation_always_ends_removed(engine, acme, rounds):
    client = TestClient(create_backend_api(lambda: engine, get_webhook_secrets=lambda: (SECRET,)))
    for round_number in rounds:
        integration_id = f"personio:RACE{round_number}"
        barrier = threading.Barrier(2)
        answers = []

        def deliver(body, barrier=barrier, answers=answers):
            barrier.wait()
            answers.append(post(client, body).status_code)

        threads = [
            threading.Thread(
                target=deliver, args=(created(f"c{round_number}", acme, integration_id),)
            ),
            threading.Thread(target=deliver, args=(deleted(f"d{round_number}", integration_id),)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert answers == [200, 200]
        with Session(engine) as session:
            record = session.exec(
                select(Integration).where(Integration.kombo_integration_id == integration_id)
            ).one()
        assert record.removed_at is not None, f"round {round_number}: the deletion was lost"


def setup_client(engine):
    """A deployment that connects HRIS with setup steps (filtering or field mapping)."""
    api = create_backend_api(
        lambda: engine,
        get_webhook_secrets=lambda: (SECRET,),
        get_setup_categories=lambda: frozenset({"HRIS"}),
    )
    return TestClient(api)


def test_with_setup_steps_an_integration_first_heard_of_by_webhook_starts_incomplete(engine, acme):
    # Kombo starts such a connection INCOMPLETE, and integration-created does not say so:
    # the card must not call it Active until Kombo's details come.
    post(setup_client(engine), created("evt_1", acme))

    [record] = records(engine)
    assert (record.state, record.setup_status) == ("ACTIVE", "INCOMPLETE")
    assert record.details_due_at is not None, "Kombo's details are asked for"


def test_a_known_integration_keeps_its_setup_status_whatever_the_webhook(engine, acme):
    with transaction(engine) as session:
        record_integration(
            session,
            IntegrationFacts(
                kombo_integration_id="personio:AAAA",
                organisation_id=acme,
                category="HRIS",
                tool_id="personio",
                tool_label="Personio",
                setup_status="COMPLETED",
            ),
        )

    post(setup_client(engine), created("evt_1", acme))

    [record] = records(engine)
    assert record.setup_status == "COMPLETED"


def test_without_setup_steps_for_its_category_a_new_integration_is_completed(engine, acme):
    ats = created("evt_1", acme, integration_id="greenhouse:BBBB", tool="greenhouse")
    post(setup_client(engine), ats.replace(b'"HRIS"', b'"ATS"'))

    [record] = records(engine)
    assert (record.category, record.setup_status) == ("ATS", "COMPLETED")


@pytest.mark.parametrize(
    ("log_url", "kept"),
    [
        ("https://app.kombo.dev/logs/1", "https://app.kombo.dev/logs/1"),
        ("javascript:alert(1)", None),
        ("http://app.kombo.dev/logs/1", None),
    ],
)
def test_a_failed_flows_log_link_is_kept_only_if_https(client, engine, acme, log_url, kept):
    # Admins get it as a link on the page, as a failed sync's.
    body = body_of(
        "evt_1",
        "connection-flow-failed",
        {
            "integration_tool": "personio",
            "integration_category": "HRIS",
            "end_user": {"organization_name": "Acme", "creator_email": None, "origin_id": acme},
            "log_url": log_url,
        },
    )

    assert post(client, body).json()["outcome"] == "applied"
    with Session(engine) as session:
        [failure] = session.exec(select(FlowFailure)).all()
    assert failure.log_url == kept
