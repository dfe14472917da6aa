"""Every card state, and which wins when several could apply."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session

from kombo_portal.db.models import FlowFailure, Integration
from kombo_portal.db.transaction import transaction
from kombo_portal.records.card_states import (
    CardAction,
    CardState,
    card_state,
    failed_since_connected,
    latest_removed,
    primary_action,
    shown_state,
)

CONNECTED = datetime(2026, 11, 3, tzinfo=UTC)


def live(state="ACTIVE", setup_status="COMPLETED") -> Integration:
    return Integration(
        kombo_integration_id="personio:x",
        organisation_id="org",
        category="HRIS",
        tool_id="personio",
        tool_label="Personio",
        state=state,
        setup_status=setup_status,
        connected_at=CONNECTED,
    )


def removed(at: datetime) -> Integration:
    record = live()
    record.removed_at = at
    return record


def failure(at: datetime) -> FlowFailure:
    return FlowFailure(organisation_id="org", category="HRIS", tool_id="workday", failed_at=at)


LATER, EARLIER = CONNECTED + timedelta(days=1), CONNECTED - timedelta(days=1)


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({}, CardState.NOT_CONNECTED),
        ({"live": live()}, CardState.ACTIVE),
        ({"live": live(setup_status="FINAL_SYNC_PENDING")}, CardState.ACTIVE),
        ({"live": live(setup_status="INCOMPLETE")}, CardState.SETUP_INCOMPLETE),
        ({"live": live("INVALID")}, CardState.NEEDS_RECONNECTION),
        ({"live": live("INACTIVE")}, CardState.DISABLED),
        ({"failure": failure(LATER)}, CardState.FAILED),
        ({"removed": removed(LATER)}, CardState.REMOVED),
        # Broken credentials come first, then switched off, then setup.
        ({"live": live("INVALID", "INCOMPLETE")}, CardState.NEEDS_RECONNECTION),
        ({"live": live("INACTIVE", "INCOMPLETE")}, CardState.DISABLED),
        ({"live": live("INVALID"), "failure": failure(LATER)}, CardState.NEEDS_RECONNECTION),
        # A failed attempt to reconnect a working integration leaves it working.
        ({"live": live(), "failure": failure(LATER)}, CardState.ACTIVE),
        ({"live": live(), "failure": failure(EARLIER)}, CardState.ACTIVE),
        # Without one, a failure counts only after the last removal.
        ({"removed": removed(EARLIER), "failure": failure(LATER)}, CardState.FAILED),
        ({"removed": removed(LATER), "failure": failure(EARLIER)}, CardState.REMOVED),
        # A live integration outranks an older removed one.
        ({"live": live(), "removed": removed(EARLIER)}, CardState.ACTIVE),
    ],
)
def test_each_card_is_in_exactly_one_state(facts, expected):
    assert card_state(facts.get("live"), facts.get("failure"), facts.get("removed")) is expected


def test_a_failure_after_the_connection_is_noted_on_a_live_integration():
    assert failed_since_connected(live(), failure(LATER))
    assert not failed_since_connected(live(), failure(EARLIER))
    assert not failed_since_connected(live(), None)
    assert not failed_since_connected(None, failure(LATER))


@pytest.mark.parametrize("resting", list(CardState))
def test_an_open_flow_comes_before_every_other_state(resting):
    assert shown_state(resting, flow_open=True) is CardState.CONNECTING
    assert shown_state(resting, flow_open=False) is resting


def test_a_failure_reported_while_the_flow_is_open_shows_at_once():
    # The person may try again in the same window; the card says the attempt failed.
    assert shown_state(CardState.FAILED, flow_open=True, failed_since=True) is CardState.FAILED
    # An older failure is what the person is trying again: the flow is what shows.
    assert shown_state(CardState.FAILED, flow_open=True) is CardState.CONNECTING
    assert shown_state(CardState.ACTIVE, flow_open=True, failed_since=True) is CardState.CONNECTING


@pytest.mark.parametrize(
    ("state", "action"),
    [
        (CardState.NOT_CONNECTED, CardAction.CONNECT),
        (CardState.CONNECTING, CardAction.NONE),
        (CardState.ACTIVE, CardAction.NONE),
        (CardState.SETUP_INCOMPLETE, CardAction.FINISH_SETUP),
        (CardState.NEEDS_RECONNECTION, CardAction.RECONNECT),
        (CardState.DISABLED, CardAction.ENABLE),
        (CardState.FAILED, CardAction.TRY_AGAIN),
        (CardState.REMOVED, CardAction.CONNECT_AGAIN),
    ],
)
def test_each_state_offers_one_obvious_next_step(state, action):
    assert primary_action(state) is action


def test_the_latest_removed_integration_of_each_category_is_found(engine, admin):
    with transaction(engine) as session:
        for number, (category, days) in enumerate([("HRIS", 1), ("HRIS", 3), ("ATS", 2)]):
            record = live()
            record.kombo_integration_id = f"personio:{number}"
            record.organisation_id = admin.organisation_id
            record.category = category
            record.removed_at = CONNECTED + timedelta(days=days)
            session.add(record)
        session.add(
            Integration(**{**live().model_dump(exclude={"id"}), "kombo_integration_id": "live:1",
                           "organisation_id": admin.organisation_id})
        )  # fmt: skip

    with Session(engine) as session:
        found = latest_removed(session, admin.organisation_id)

    assert {category: record.kombo_integration_id for category, record in found.items()} == {
        "HRIS": "personio:1",
        "ATS": "personio:2",
    }
