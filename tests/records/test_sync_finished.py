"""`sync-finished`: only a sync that succeeded is data activity; one in any other
state is kept for the activity log, and a bad or foreign event changes nothing."""

import pytest

from kombo_portal.db.transaction import transaction
from kombo_portal.records.integrations import mark_removed
from kombo_portal.records.sync_failures import SYNC_STATE_LENGTH
from kombo_portal.records.webhook_events import Outcome
from tests.records.issue_events import (
    INTEGRATION,
    Tenants,
    deliver,
    integration_record,
    stored_event,
    sync_data,
    sync_failures,
    tenants,
    version,
)

SYNC = "sync-finished"


@pytest.fixture
def orgs(engine) -> Tenants:
    return tenants(engine)


def test_a_sync_that_succeeded_is_data_activity(engine, orgs):
    result = deliver(engine, "evt_1", SYNC, sync_data("SUCCEEDED"))

    assert (result.outcome, result.organisation_id) == (Outcome.APPLIED, orgs.acme)
    assert integration_record(engine).last_data_activity_at is not None
    assert sync_failures(engine) == []


@pytest.mark.parametrize(
    "state", ["FAILED", "PARTIALLY_FAILED", "AUTHENTICATION_FAILED", "A_STATE_KOMBO_ADDS_LATER"]
)
def test_a_sync_in_another_state_is_kept_and_not_counted(engine, orgs, state):
    before = version(engine, orgs.acme)

    result = deliver(engine, "evt_1", SYNC, sync_data(state))

    assert result.outcome is Outcome.APPLIED
    assert integration_record(engine).last_data_activity_at is None
    [failure] = sync_failures(engine)
    assert (failure.organisation_id, failure.kombo_integration_id, failure.sync_state) == (
        orgs.acme,
        INTEGRATION,
        state,
    )
    assert failure.log_url == "https://app.kombo.dev/logs/sync_1"
    assert version(engine, orgs.acme) == before + 1, "the activity log reloads"
    event = stored_event(engine, "evt_1")
    assert (event.applied_at is not None, event.organisation_id) == (True, orgs.acme)


@pytest.mark.parametrize(
    "log_url",
    [None, 7, "", "javascript:alert(1)", "http://app.kombo.dev/logs/1", "https://x/" + "a" * 2000],
    ids=["null", "a number", "empty", "javascript", "plain http", "too long"],
)
def test_a_failed_syncs_log_link_is_kept_only_when_it_is_an_https_address(engine, orgs, log_url):
    assert deliver(engine, "evt_1", SYNC, sync_data("FAILED", log_url=log_url)).outcome is (
        Outcome.APPLIED
    )

    assert [failure.log_url for failure in sync_failures(engine)] == [None]


def test_a_repeated_failed_sync_is_kept_once(engine, orgs):
    deliver(engine, "evt_1", SYNC, sync_data("FAILED"))

    assert deliver(engine, "evt_1", SYNC, sync_data("FAILED")).outcome is Outcome.DUPLICATE
    assert len(sync_failures(engine)) == 1


@pytest.mark.parametrize(
    "state",
    [None, 3, ["FAILED"], "", "   ", "S" * (SYNC_STATE_LENGTH + 1), "FAIL\u0000ED", "\ud800"],
    ids=["null", "a number", "a list", "empty", "blank", "too long", "NUL", "lone surrogate"],
)
def test_an_unusable_sync_state_is_flagged_and_changes_nothing(engine, orgs, state):
    before = version(engine, orgs.acme)

    result = deliver(engine, "evt_1", SYNC, sync_data(state))

    assert (result.outcome, result.flag) == (Outcome.FLAGGED, "no usable sync_state")
    assert integration_record(engine).last_data_activity_at is None
    assert sync_failures(engine) == []
    assert version(engine, orgs.acme) == before


def test_a_missing_sync_state_is_flagged(engine, orgs):
    data = sync_data()
    del data["sync_state"]

    assert deliver(engine, "evt_1", SYNC, data).flag == "no usable sync_state"
    assert integration_record(engine).last_data_activity_at is None


@pytest.mark.parametrize("state", ["SUCCEEDED", "FAILED"])
def test_a_sync_of_an_unknown_or_removed_integration_is_flagged(engine, orgs, state):
    unknown = deliver(engine, "evt_1", SYNC, sync_data(state, integration="personio:NONE"))
    with transaction(engine) as session:
        mark_removed(session, INTEGRATION)
    removed = deliver(engine, "evt_2", SYNC, sync_data(state))

    assert [unknown.flag, removed.flag] == ["unknown or removed integration"] * 2
    assert integration_record(engine).last_data_activity_at is None
    assert sync_failures(engine) == []


@pytest.mark.parametrize("state", ["SUCCEEDED", "FAILED"])
def test_a_sync_naming_another_organisation_is_flagged(engine, orgs, state):
    before = (version(engine, orgs.acme), version(engine, orgs.globex))

    result = deliver(engine, "evt_1", SYNC, sync_data(state, origin=orgs.globex))

    assert (result.outcome, result.flag) == (
        Outcome.FLAGGED,
        "names another organisation than the integration's",
    )
    assert integration_record(engine).last_data_activity_at is None
    assert sync_failures(engine) == []
    assert (version(engine, orgs.acme), version(engine, orgs.globex)) == before
