"""How much database work one webhook costs: the most frequent events stay cheap
(the webhook benchmark's figures depend on it), and a repeat leaves no trace."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields

import pytest
from sqlalchemy import event as sa_event
from sqlmodel import Session, SQLModel, select

from kombo_portal.db.models import Integration, Organisation, WebhookEvent
from kombo_portal.db.transaction import transaction
from kombo_portal.records.accounts import create_organisation
from kombo_portal.records.webhook_events import InboxRow, Outcome, parse_event
from kombo_portal.use_cases.webhooks import receive_event

INTEGRATION = "personio:AAAA"


@pytest.fixture
async def acme(engine) -> str:
    with transaction(engine) as session:
        organisation_id = create_organisation(session, "Acme Inc.").id
    await receive_event(
        engine, event("evt_created", "integration-created", created_data(organisation_id))
    )
    return organisation_id


def event(event_id: str, event_type: str, data: dict):
    return parse_event(json.dumps({"id": event_id, "type": event_type, "data": data}).encode())


def created_data(organisation_id: str) -> dict:
    return {
        "id": INTEGRATION,
        "tool": "personio",
        "category": "HRIS",
        "end_user": {"origin_id": organisation_id, "creator_email": None},
    }


def data_changed() -> dict:
    return {"integration_id": INTEGRATION, "changed_models": [{"name": "hris_employees"}]}


def state_changed(state: str, updated_at: str) -> dict:
    return {
        "integration_id": INTEGRATION,
        "state": state,
        "setup_status": "COMPLETED",
        "qa_status": "PASSED",
        "updated_at": updated_at,
    }


@contextmanager
def statements(engine) -> Iterator[list[str]]:
    """The SQL statements sent while the block runs (BEGIN and COMMIT excluded)."""
    sent: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT")):
            sent.append(statement)

    sa_event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        sa_event.remove(engine, "before_cursor_execute", record)


def version(engine, organisation_id: str) -> int:
    with Session(engine) as session:
        return session.get(Organisation, organisation_id).version


async def test_data_changed_is_one_update_and_one_insert(engine, acme):
    with statements(engine) as sent:
        result = await receive_event(engine, event("evt_data", "data-changed", data_changed()))

    assert result.outcome is Outcome.APPLIED
    assert [statement.split()[0].upper() for statement in sent] == ["UPDATE", "INSERT"]


async def test_a_state_change_takes_at_most_five_statements_and_one_lock(engine, acme):
    change = event(
        "evt_state", "integration-state-changed", state_changed("INVALID", "2030-01-01T00:00:00Z")
    )
    with statements(engine) as sent:
        result = await receive_event(engine, change)

    assert result.outcome is Outcome.APPLIED
    locks = [statement for statement in sent if "pg_advisory_xact_lock" in statement]
    assert len(locks) == (1 if engine.dialect.name == "postgresql" else 0)
    # The lock, the record, the integration's and the organisation's updates, the inbox.
    assert len(sent) <= 5
    # The organisation's version (which locks its row) is bumped last, at the commit.
    assert "organisation" in sent[-1].lower() and sent[-1].split()[0].upper() == "UPDATE"


async def test_a_repeat_changes_nothing_and_bumps_no_version(engine, acme):
    change = event(
        "evt_state", "integration-state-changed", state_changed("INVALID", "2030-01-01T00:00:00Z")
    )
    assert (await receive_event(engine, change)).outcome is Outcome.APPLIED
    before = version(engine, acme)

    # The same id with other content: what the first delivery stored stands.
    repeat = event(
        "evt_state", "integration-state-changed", state_changed("ACTIVE", "2031-01-01T00:00:00Z")
    )
    assert (await receive_event(engine, repeat)).outcome is Outcome.DUPLICATE

    assert version(engine, acme) == before
    with Session(engine) as session:
        assert session.exec(select(Integration.state)).one() == "INVALID"
        stored = session.get(WebhookEvent, "evt_state")
        assert json.loads(stored.body)["data"]["state"] == "INVALID"


async def test_data_changed_for_a_removed_integration_is_flagged_without_writing_it(engine, acme):
    await receive_event(engine, event("evt_deleted", "integration-deleted", {"id": INTEGRATION}))

    result = await receive_event(engine, event("evt_data", "data-changed", data_changed()))

    assert result.outcome is Outcome.FLAGGED
    with Session(engine) as session:
        assert session.exec(select(Integration.last_data_activity_at)).one() is None
        assert session.get(WebhookEvent, "evt_data").flag == "unknown or removed integration"


async def test_writers_in_many_threads_all_commit(engine, acme):
    """SQLite: writers of one process queue for the write lock; none fails busy."""
    failures: list[BaseException] = []

    def deliver(index: int) -> None:
        try:
            for step in range(10):
                change = event(f"evt_{index}_{step}", "data-changed", data_changed())
                asyncio.run(receive_event(engine, change))
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=deliver, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    with Session(engine) as session:
        assert len(session.exec(select(WebhookEvent)).all()) == 1 + 80


def issue_raised() -> dict:
    return {
        "change": "raised",
        "issue": {
            "id": "iss_1",
            "type": "integration.authentication_failed",
            "title": "Personio rejects the API token",
            "status": "OPEN",
            "markdown_message": "Create a new token.",
            "first_observed_at": "2030-01-01T00:00:00Z",
            "resolved_at": None,
        },
        "integration": {"id": INTEGRATION, "tool": "personio", "category": "HRIS"},
    }


async def test_an_issue_takes_one_lock_and_bumps_the_version_last(engine, acme):
    before = version(engine, acme)
    with statements(engine) as sent:
        result = await receive_event(
            engine, event("evt_issue", "issue-status-changed", issue_raised())
        )

    assert result.outcome is Outcome.APPLIED
    locks = [statement for statement in sent if "pg_advisory_xact_lock" in statement]
    assert len(locks) == (1 if engine.dialect.name == "postgresql" else 0)
    # The lock, the record, the issue (none yet), its insert, the inbox, the version.
    assert len(sent) <= 6
    assert "organisation" in sent[-1].lower() and sent[-1].split()[0].upper() == "UPDATE"
    assert version(engine, acme) == before + 1


async def test_a_flagged_issue_writes_only_the_inbox(engine, acme):
    data = issue_raised()
    data["issue"]["status"] = "SNOOZED"
    before = version(engine, acme)
    with statements(engine) as sent:
        result = await receive_event(engine, event("evt_issue", "issue-status-changed", data))

    assert result.outcome is Outcome.FLAGGED
    writes = [s.split()[0].upper() for s in sent if s.split()[0].upper() in ("INSERT", "UPDATE")]
    assert writes == ["INSERT"]
    assert version(engine, acme) == before


async def test_a_sync_that_succeeded_reads_the_record_and_notes_the_activity(engine, acme):
    data = {**data_changed(), "sync_state": "SUCCEEDED", "end_user": {"origin_id": acme}}
    with statements(engine) as sent:
        result = await receive_event(engine, event("evt_sync", "sync-finished", data))

    assert result.outcome is Outcome.APPLIED
    assert [statement.split()[0].upper() for statement in sent] == ["SELECT", "UPDATE", "INSERT"]


def test_the_inbox_row_ingest_writes_has_every_column_of_the_inbox_table():
    columns = SQLModel.metadata.tables[WebhookEvent.__tablename__].columns
    assert {f.name for f in fields(InboxRow)} == {column.name for column in columns}
