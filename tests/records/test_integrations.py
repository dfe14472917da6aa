"""The one service that changes integration records."""

import pytest
from sqlmodel import select

from kombo_portal.db.models import Integration, Organisation
from kombo_portal.db.transaction import transaction
from kombo_portal.records.accounts import create_organisation
from kombo_portal.records.integrations import (
    IncompleteFacts,
    IntegrationFacts,
    IntegrationOwnedElsewhere,
    change_state,
    mark_removed,
    record_integration,
)

ID = "personio:abc"


@pytest.fixture
def orgs(engine) -> tuple[str, str]:
    with transaction(engine) as session:
        return create_organisation(session, "Acme").id, create_organisation(session, "Globex").id


def facts(organisation_id: str, **fields) -> IntegrationFacts:
    return IntegrationFacts(
        kombo_integration_id=ID,
        organisation_id=organisation_id,
        **{"category": "HRIS", "tool_id": "personio", **fields},
    )


def stored(engine) -> list[Integration]:
    with transaction(engine) as session:
        return list(session.exec(select(Integration)))


def test_the_same_facts_twice_leave_one_record(engine, orgs):
    acme, _ = orgs
    for _ in range(2):
        with transaction(engine) as session:
            record_integration(session, facts(acme, tool_label="Personio", state="ACTIVE"))

    [record] = stored(engine)
    assert (record.tool_label, record.state) == ("Personio", "ACTIVE")


def test_unknown_facts_keep_what_is_stored(engine, orgs):
    acme, _ = orgs
    with transaction(engine) as session:
        record_integration(session, facts(acme, tool_label="Personio", tool_logo_url="l.svg"))
    with transaction(engine) as session:
        record_integration(session, facts(acme, state="INVALID"))

    [record] = stored(engine)
    assert (record.tool_label, record.tool_logo_url, record.state) == (
        "Personio",
        "l.svg",
        "INVALID",
    )


def test_a_record_of_another_organisation_is_never_taken_over(engine, orgs):
    acme, globex = orgs
    with transaction(engine) as session:
        record_integration(session, facts(acme))

    with pytest.raises(IntegrationOwnedElsewhere), transaction(engine) as session:
        record_integration(session, facts(globex))

    assert stored(engine)[0].organisation_id == acme


def test_a_new_record_needs_a_category_and_a_tool(engine, orgs):
    acme, _ = orgs
    with pytest.raises(IncompleteFacts), transaction(engine) as session:
        record_integration(session, IntegrationFacts(kombo_integration_id=ID, organisation_id=acme))

    assert stored(engine) == []


def test_every_change_bumps_the_organisations_version(engine, orgs):
    acme, _ = orgs
    with transaction(engine) as session:
        record_integration(session, facts(acme))
    with transaction(engine) as session:
        change_state(session, ID, state="INVALID", setup_status=None, qa_status=None)
    with transaction(engine) as session:
        mark_removed(session, ID)

    with transaction(engine) as session:
        assert session.get(Organisation, acme).version == 3


def test_removal_keeps_the_record_and_is_not_undone_by_a_late_state(engine, orgs):
    acme, _ = orgs
    with transaction(engine) as session:
        record_integration(session, facts(acme))
    with transaction(engine) as session:
        mark_removed(session, ID)
    with transaction(engine) as session:
        change_state(session, ID, state="ACTIVE", setup_status=None, qa_status=None)

    [record] = stored(engine)
    assert record.removed_at is not None
