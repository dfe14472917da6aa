"""Properties of the webhook route and its event parser, over generated input.

Whatever arrives, the route answers only as documented (200, 400, 401, 413, 503),
never 500; a signed, well-formed event is applied exactly once, and the same event
again changes nothing. The route tests share one database per test (examples
make their own ids), on every database kind the suite runs on.
"""

from __future__ import annotations

import itertools
import json
import string
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select
from starlette.testclient import TestClient

from kombo_portal.api import create_backend_api
from kombo_portal.api.webhooks import MAX_BODY_BYTES
from kombo_portal.db.engine import create_database_engine
from kombo_portal.db.models import (
    FlowFailure,
    Integration,
    IntegrationIssue,
    Organisation,
    SyncFailure,
    WebhookEvent,
)
from kombo_portal.db.transaction import transaction
from kombo_portal.kombo.signature import SIGNATURE_HEADER, sign_webhook
from kombo_portal.records.accounts import create_organisation
from kombo_portal.records.integrations import IntegrationFacts, record_integration
from kombo_portal.records.webhook_events import InvalidEvent, KomboEvent, parse_event

SECRET = "whsec_properties"
DOCUMENTED_ANSWERS = {200, 400, 401, 413, 503}
EVENT_TYPES = (
    "integration-created",
    "integration-deleted",
    "integration-state-changed",
    "connection-flow-failed",
    "data-changed",
    "sync-finished",
    "issue-status-changed",
)


# Examples of one route test share its database (migrating one per example would
# take minutes); each example makes ids of its own.
def shared_database(max_examples: int = 50) -> settings:
    return settings(
        max_examples=max_examples, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )


# -- strategies --------------------------------------------------------------------

# Every character JSON can carry, lone surrogates and NUL included: databases refuse
# those, so the route must notice them first.
any_character = st.characters(codec=None, exclude_categories=())
any_text = st.text(any_character, max_size=40)
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | any_text
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(any_text, children, max_size=4)
    ),
    max_leaves=12,
)
KNOWN_KEYS = (
    "id",
    "integration_id",
    "tool",
    "integration_tool",
    "category",
    "integration_category",
    "end_user",
    "state",
    "setup_status",
    "qa_status",
    "updated_at",
    "deleted_at",
    "log_url",
    "changed_models",
    "sync_state",
    "change",
    "issue",
    "integration",
)
# Placeholders the route tests turn into real ids: an organisation, one that does
# not exist, and an integration the portal knows.
ORIGINS = ("{acme}", "{nobody}")
KNOWN_INTEGRATION = "personio:KNOWNKNOWNKNOWNKNOWNKNOW"
end_users = st.fixed_dictionaries(
    {},
    optional={
        "origin_id": st.sampled_from(ORIGINS) | json_values,
        "organization_name": json_values,
        "creator_email": json_values,
    },
)
# The fields the portal reads, with values of any type (often usable ones, so the
# apply paths run); other keys too.
usable_values = st.sampled_from(["HRIS", "ATS", "ACTIVE", "INVALID", "personio", "{integration}"])
loose_data = st.dictionaries(
    st.sampled_from(KNOWN_KEYS) | any_text,
    st.one_of(end_users, usable_values, st.just("2026-11-29T10:00:00.000Z"), json_values),
    max_size=8,
)
plain_ids = st.text(string.ascii_letters + string.digits + "_-", min_size=1, max_size=60)
# Envelopes well formed around data of any shape (these reach the apply paths)...
well_formed_envelopes = st.fixed_dictionaries(
    {"id": plain_ids, "type": st.sampled_from(EVENT_TYPES), "data": loose_data}
)
# ...and ones where any field may be anything.
loose_envelopes = well_formed_envelopes | st.fixed_dictionaries(
    {
        "id": st.one_of(plain_ids, st.text(any_character, min_size=1, max_size=210), json_values),
        "type": st.one_of(st.sampled_from(EVENT_TYPES), json_values),
        "data": st.one_of(loose_data, json_values),
    }
)
signature_headers = st.none() | st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=60
)
other_headers = st.dictionaries(
    st.sampled_from(["Content-Type", "X-Request-ID", "Content-Encoding", "X-Forwarded-For"]),
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=80),
    max_size=3,
)
# Mostly small bodies; now and then one just under or over the size limit.
bodies = st.binary(max_size=3000) | st.integers(MAX_BODY_BYTES - 2, MAX_BODY_BYTES + 2).map(
    lambda size: b"{" * size
)

# Schema-valid event data: what Kombo sends, with arbitrary values where the
# schema allows any.
words = st.text(string.ascii_lowercase, min_size=1, max_size=30)
printable = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=80)
categories = st.sampled_from(["HRIS", "ATS", "ASSESSMENT", "LMS"])
moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
).map(lambda moment: moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"))
emails = st.none() | st.emails()
valid_end_user = st.fixed_dictionaries(
    {
        "organization_name": printable,
        "creator_email": emails,
        "origin_id": st.just("{acme}"),
    }
)


def event_data(event_type: str) -> st.SearchStrategy[dict]:
    """Data Kombo could send for `event_type`; `{subject}` names its integration."""
    about = {
        "integration_id": st.just("{subject}"),
        "integration_tool": words,
        "integration_category": categories,
    }
    if event_type == "integration-created":
        return st.fixed_dictionaries(
            {
                "id": st.just("{subject}"),
                "tool": words,
                "category": categories,
                "end_user": valid_end_user,
            }
        )
    if event_type == "integration-deleted":
        return st.fixed_dictionaries(
            {
                "id": st.just("{subject}"),
                "tool": words,
                "category": categories,
                "end_user": valid_end_user,
                "deleted_at": moments,
            }
        )
    if event_type == "integration-state-changed":
        return st.fixed_dictionaries(
            {
                **about,
                "end_user": valid_end_user,
                "qa_status": st.sampled_from(["PENDING", "FAILED", "PASSED"]),
                "setup_status": st.sampled_from(["INCOMPLETE", "FINAL_SYNC_PENDING", "COMPLETED"]),
                "state": st.sampled_from(["ACTIVE", "INVALID", "INACTIVE"]),
                "updated_at": moments,
            }
        )
    if event_type == "connection-flow-failed":
        return st.fixed_dictionaries(
            {
                "integration_tool": words,
                "integration_category": categories,
                "end_user": valid_end_user,
                "log_url": st.none() | words.map("https://app.kombo.dev/logs/{}".format),
            }
        )
    if event_type == "data-changed":
        return st.fixed_dictionaries(
            {**about, "changed_models": st.lists(st.fixed_dictionaries({"name": words}))}
        )
    if event_type == "sync-finished":
        return st.fixed_dictionaries(
            {
                **about,
                "sync_id": words,
                "sync_state": st.sampled_from(
                    ["SUCCEEDED", "FAILED", "PARTIALLY_FAILED", "AUTHENTICATION_FAILED"]
                ),
                "sync_started_at": moments,
                "sync_ended_at": moments,
                "sync_duration_seconds": st.integers(0, 10**6),
                "end_user": valid_end_user,
                "log_url": st.none() | printable,
            }
        )
    if event_type == "issue-status-changed":
        return st.sampled_from(["raised", "resolved"]).flatmap(issue_data)
    return st.dictionaries(printable, json_values, max_size=5)


def issue_data(change: str) -> st.SearchStrategy[dict]:
    """An issue raised or resolved, about `{subject}`; its id is the subject's own."""
    resolved = change == "resolved"
    return st.fixed_dictionaries(
        {
            "change": st.just(change),
            "issue": st.fixed_dictionaries(
                {
                    "id": st.just("issue-{subject}"),
                    "type": words | st.just("integration.authentication_failed"),
                    "title": printable.filter(str.strip),
                    "status": st.just("RESOLVED" if resolved else "OPEN"),
                    "markdown_message": printable,
                    "first_observed_at": moments,
                    "resolved_at": moments if resolved else st.none(),
                }
            ),
            "integration": st.fixed_dictionaries(
                {
                    "id": st.just("{subject}"),
                    "tool": words,
                    "category": categories,
                    "end_user": valid_end_user,
                }
            ),
        }
    )


def corrupted(event_type: str) -> st.SearchStrategy[dict]:
    """A valid event of `event_type` with a few of its fields set to anything."""
    return st.builds(
        lambda data, changes: {"id": "evt", "type": event_type, "data": {**data, **changes}},
        event_data(event_type),
        st.dictionaries(st.sampled_from(KNOWN_KEYS), end_users | json_values, max_size=2),
    )


corrupted_events = st.sampled_from(EVENT_TYPES).flatmap(corrupted)


# -- the parser --------------------------------------------------------------------


@settings(max_examples=300)
@given(raw=st.binary(max_size=2000) | json_values.map(lambda value: json.dumps(value).encode()))
def test_the_parser_returns_an_event_or_says_what_is_wrong(raw):
    try:
        event = parse_event(raw)
    except InvalidEvent as invalid:
        assert str(invalid)
    else:
        assert isinstance(event, KomboEvent)
        assert event.id.strip() and event.type.strip()
        assert isinstance(event.data, dict)


@settings(max_examples=200)
@given(envelope=loose_envelopes, indent=st.none() | st.integers(0, 4))
def test_the_parser_accepts_exactly_envelopes_with_a_usable_id_type_and_data(envelope, indent):
    raw = json.dumps(envelope, indent=indent).encode()
    usable = (
        _usable_text(envelope["id"], 200)
        and _usable_text(envelope["type"], 100)
        and isinstance(envelope["data"], dict)
    )
    try:
        event = parse_event(raw)
    except InvalidEvent:
        assert not usable
    else:
        assert usable
        assert (event.id, event.type, event.body) == (
            envelope["id"],
            envelope["type"],
            raw.decode(),
        )
        # The data as Kombo sent it, compared as JSON: NaN is not equal to itself.
        assert same_json(event.data, envelope["data"])


def same_json(left: object, right: object) -> bool:
    return json.dumps(left, sort_keys=True) == json.dumps(right, sort_keys=True)


def _usable_text(value: object, limit: int) -> bool:
    if not isinstance(value, str) or not value.strip() or len(value) > limit or "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# -- the route -----------------------------------------------------------------------


@pytest.fixture
def acme(engine) -> str:
    with transaction(engine) as session:
        return create_organisation(session, "Acme Inc.").id


@pytest.fixture
def known(engine, acme) -> None:
    """The integration `{integration}` names, recorded for Acme."""
    with transaction(engine) as session:
        record_integration(
            session,
            IntegrationFacts(
                kombo_integration_id=KNOWN_INTEGRATION,
                organisation_id=acme,
                category="HRIS",
                tool_id="personio",
            ),
        )


@pytest.fixture
def route(engine):
    with TestClient(create_backend_api(lambda: engine, get_webhook_secrets=lambda: (SECRET,))) as c:
        yield c


def post(client: TestClient, body: bytes, signature: str | None, headers: dict | None = None):
    sent = dict(headers or {})
    if signature is not None:
        sent[SIGNATURE_HEADER] = signature
    return client.post("/webhooks/kombo", content=body, headers=sent)


def snapshot(engine) -> dict[str, list[dict]]:
    """Everything a webhook can change, as plain values."""
    with Session(engine) as session:
        return {
            model.__name__: sorted(
                (row.model_dump() for row in session.exec(select(model))), key=repr
            )
            for model in (
                WebhookEvent,
                Integration,
                FlowFailure,
                Organisation,
                IntegrationIssue,
                SyncFailure,
            )
        }


def counts(engine) -> dict[str, int]:
    return {name: len(rows) for name, rows in snapshot(engine).items()}


@settings(max_examples=30)
@given(
    event_id=st.text(string.ascii_letters + string.digits, min_size=1, max_size=50),
    event_type=st.sampled_from(EVENT_TYPES),
    data=loose_data,
)
def test_with_the_database_down_every_signed_event_is_answered_503(
    tmp_path_factory, event_id, event_type, data
):
    # A database that cannot be opened: every store fails, as in an outage.
    missing = tmp_path_factory.getbasetemp() / "no-such-folder" / "portal.db"
    down = create_database_engine(f"sqlite:///{missing}")
    body = json.dumps({"id": event_id, "type": event_type, "data": data}).encode()
    with TestClient(create_backend_api(lambda: down, get_webhook_secrets=lambda: (SECRET,))) as c:
        response = post(c, body, sign_webhook(SECRET, body))

    assert response.status_code == 503, response.text
    assert response.json()["message"] == "not stored; deliver it again"


_example_numbers = itertools.count()


def fill_origins(value, acme: str):
    """The strategies' placeholders, as this database's ids."""
    if isinstance(value, dict):
        return {key: fill_origins(item, acme) for key, item in value.items()}
    if isinstance(value, list):
        return [fill_origins(item, acme) for item in value]
    if value == "{acme}":
        return acme
    if value == "{nobody}":
        return "org_that_does_not_exist"
    if value in ("{integration}", "{subject}"):
        return KNOWN_INTEGRATION
    return value


@shared_database()
@given(body=bodies, signature=signature_headers, headers=other_headers)
def test_unsigned_or_wrongly_signed_input_is_refused_and_stores_nothing(
    route, engine, body, signature, headers
):
    before = counts(engine)

    response = post(route, body, signature, headers)

    event(f"answered {response.status_code}")
    if signature is not None and signature.strip() == sign_webhook(SECRET, body):
        assert response.status_code in DOCUMENTED_ANSWERS - {500}
    elif len(body) > MAX_BODY_BYTES:
        assert response.status_code == 413
    else:
        assert response.status_code == 401
        assert counts(engine) == before


@shared_database(max_examples=100)
@given(body=bodies, headers=other_headers)
def test_any_signed_bytes_get_a_documented_answer(route, engine, body, headers):
    response = post(route, body, sign_webhook(SECRET, body), headers)

    event(f"answered {response.status_code}")
    assert response.status_code in DOCUMENTED_ANSWERS
    if len(body) > MAX_BODY_BYTES:
        assert response.status_code == 413
    else:
        assert response.status_code in (200, 400), response.text


@shared_database(max_examples=150)
@given(envelope=corrupted_events | loose_envelopes | json_values, indent=st.none() | st.just(2))
def test_any_signed_json_is_answered_200_or_400_and_a_repeat_changes_nothing(
    route, engine, acme, known, envelope, indent
):
    envelope = fill_origins(envelope, acme)
    if isinstance(envelope, dict) and isinstance(envelope.get("id"), str):
        # Examples share the database: each its own id, so replaying one (as
        # hypothesis does to confirm a failure) meets no repeat of an earlier one.
        envelope["id"] = f"{next(_example_numbers)}-{envelope['id']}"
    body = json.dumps(envelope, indent=indent).encode()
    signature = sign_webhook(SECRET, body)

    first = post(route, body, signature)
    after_first = snapshot(engine)
    again = post(route, body, signature)

    answer = first.json()
    event(f"answered {first.status_code}: {answer.get('outcome') or answer.get('message')}")
    assert first.status_code in (200, 400), first.text
    assert again.status_code == first.status_code
    assert snapshot(engine) == after_first
    if first.status_code == 200:
        assert again.json() == {"status": "ok", "outcome": "duplicate"}
        with Session(engine) as session:
            assert session.get(WebhookEvent, json.loads(body)["id"]) is not None


@shared_database(max_examples=25)
@pytest.mark.parametrize("event_type", EVENT_TYPES)
@given(data=st.data(), event_id=st.text(any_character, min_size=1, max_size=150))
def test_a_valid_signed_event_is_applied_exactly_once(
    route, engine, acme, event_type, data, event_id
):
    number = next(_example_numbers)
    tool = f"tool{number}"
    integration_id = f"{tool}:{number:024d}"
    if event_type != "integration-created":
        # The integration the event is about, known to the portal.
        with transaction(engine) as session:
            record_integration(
                session,
                IntegrationFacts(
                    kombo_integration_id=integration_id,
                    organisation_id=acme,
                    category="HRIS",
                    tool_id=tool,
                ),
            )
    payload = data.draw(event_data(event_type), label="data")
    payload = fill_origins(
        json.loads(json.dumps(payload).replace("{subject}", integration_id)), acme
    )
    # Any id Kombo may send; the number keeps examples apart (a clash would be a repeat).
    event_id = f"{number}-{event_id.strip() or 'x'}".replace("\x00", "")
    if not _usable_text(event_id, 200):
        event_id = f"{number}-evt"
    body = json.dumps({"id": event_id, "type": event_type, "data": payload}).encode()
    signature = sign_webhook(SECRET, body)
    before = counts(engine)

    first = post(route, body, signature)
    after_first = snapshot(engine)
    again = post(route, body, signature)

    assert first.status_code == 200, first.text
    assert first.json() == {"status": "ok", "outcome": "applied"}
    assert isinstance(payload, dict)
    failed_sync = event_type == "sync-finished" and payload["sync_state"] != "SUCCEEDED"
    grown = {name: len(rows) - before[name] for name, rows in after_first.items()}
    assert grown == {
        "WebhookEvent": 1,
        "Integration": 1 if event_type == "integration-created" else 0,
        "FlowFailure": 1 if event_type == "connection-flow-failed" else 0,
        "Organisation": 0,
        "IntegrationIssue": 1 if event_type == "issue-status-changed" else 0,
        "SyncFailure": 1 if failed_sync else 0,
    }
    with Session(engine) as session:
        stored = session.get(WebhookEvent, event_id)
        record = session.exec(
            select(Integration).where(Integration.kombo_integration_id == integration_id)
        ).first()
        issue = session.get(IntegrationIssue, f"issue-{integration_id}")
    assert stored is not None and stored.body == body.decode()
    assert stored.applied_at is not None and stored.flag is None
    _assert_effect(event_type, payload, record, issue)

    assert again.status_code == 200
    assert again.json() == {"status": "ok", "outcome": "duplicate"}
    assert snapshot(engine) == after_first


def _assert_effect(
    event_type: str, payload: dict, record: Integration | None, issue: IntegrationIssue | None
) -> None:
    if event_type == "integration-created":
        assert (record.tool_id, record.category) == (payload["tool"], payload["category"])
    elif event_type == "integration-deleted":
        assert record.removed_at is not None
    elif event_type == "integration-state-changed":
        # The record had no state news yet, so this is the newest.
        assert (record.state, record.setup_status, record.qa_status) == (
            payload["state"],
            payload["setup_status"],
            payload["qa_status"],
        )
    elif event_type == "data-changed":
        assert record.last_data_activity_at is not None
    elif event_type == "sync-finished":
        assert record is not None
        # Only a sync that succeeded is news that data arrived.
        succeeded = payload["sync_state"] == "SUCCEEDED"
        assert (record.last_data_activity_at is not None) == succeeded
    elif event_type == "issue-status-changed":
        assert record is not None and issue is not None
        assert (issue.integration_id, issue.title) == (record.id, payload["issue"]["title"])
        assert issue.status == payload["issue"]["status"]
        assert (issue.resolved_at is not None) == (payload["change"] == "resolved")
