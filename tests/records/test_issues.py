"""Kombo's issues (`issue-status-changed`) as the inbox applies them: raised is open,
resolved is resolved, by episode whatever the order of delivery; an event that cannot
be applied is kept in the inbox with its reason and changes nothing."""

from datetime import UTC, datetime

import pytest
from sqlmodel import Session

from kombo_portal.db.models import as_utc
from kombo_portal.db.transaction import transaction
from kombo_portal.records.integrations import IntegrationFacts, mark_removed, record_integration
from kombo_portal.records.issues import (
    MESSAGE_LENGTH,
    RESOLVED,
    UnusableIssue,
    open_issues,
    read_issue_news,
)
from kombo_portal.records.webhook_events import Outcome
from tests.records.issue_events import (
    FIRST_SEEN,
    INTEGRATION,
    LATER,
    MESSAGE,
    TITLE,
    Tenants,
    deliver,
    issue_data,
    issues,
    stored_event,
    tenants,
    version,
)

ISSUE = "issue-status-changed"
NO_INTEGRATION = "no integration (null for an issue of the whole environment)"


@pytest.fixture
def orgs(engine) -> Tenants:
    return tenants(engine)


def open_of(engine, organisation_id: str) -> dict[str, list[str]]:
    with Session(engine) as session:
        return {
            integration: [issue.id for issue in found]
            for integration, found in open_issues(session, organisation_id).items()
        }


# -- raised and resolved -----------------------------------------------------------------


def test_a_raised_issue_is_stored_open_for_the_integration(engine, orgs):
    before = version(engine, orgs.acme)

    result = deliver(engine, "evt_1", ISSUE, issue_data("raised"))

    assert (result.outcome, result.organisation_id) == (Outcome.APPLIED, orgs.acme)
    [issue] = issues(engine)
    assert (issue.id, issue.integration_id, issue.organisation_id) == (
        "iss_1",
        orgs.integration,
        orgs.acme,
    )
    assert (issue.type, issue.title, issue.markdown_message) == (
        "integration.authentication_failed",
        TITLE,
        MESSAGE,
    )
    assert (issue.status, issue.resolved_at) == ("OPEN", None)
    assert as_utc(issue.first_observed_at) == datetime(2026, 12, 1, 10, tzinfo=UTC)
    event = stored_event(engine, "evt_1")
    assert (event.applied_at is not None, event.flag, event.organisation_id) == (
        True,
        None,
        orgs.acme,
    )
    assert event.kombo_integration_id == INTEGRATION
    assert version(engine, orgs.acme) == before + 1, "open pages reload"
    assert open_of(engine, orgs.acme) == {orgs.integration: ["iss_1"]}


def test_a_resolved_issue_is_closed_with_kombos_time(engine, orgs):
    deliver(engine, "evt_1", ISSUE, issue_data("raised"))
    before = version(engine, orgs.acme)

    result = deliver(engine, "evt_2", ISSUE, issue_data("resolved"))

    assert result.outcome is Outcome.APPLIED
    [issue] = issues(engine)
    assert issue.status == RESOLVED and issue.resolved_at is not None
    assert as_utc(issue.resolved_at) == datetime(2026, 12, 2, 9, tzinfo=UTC)
    assert version(engine, orgs.acme) == before + 1
    assert open_of(engine, orgs.acme) == {}


def test_several_open_issues_are_all_listed_oldest_first(engine, orgs):
    deliver(engine, "evt_1", ISSUE, issue_data(issue_id="iss_b", first_observed_at=LATER))
    deliver(engine, "evt_2", ISSUE, issue_data(issue_id="iss_a", first_observed_at=FIRST_SEEN))
    deliver(engine, "evt_3", ISSUE, issue_data(issue_id="iss_c", first_observed_at=LATER))
    deliver(
        engine, "evt_4", ISSUE, issue_data("resolved", issue_id="iss_c", first_observed_at=LATER)
    )

    assert open_of(engine, orgs.acme) == {orgs.integration: ["iss_a", "iss_b"]}
    assert open_of(engine, orgs.globex) == {}


def test_an_unknown_issue_type_is_valid(engine, orgs):
    data = issue_data(type="integration.something_kombo_adds_next_year")

    assert deliver(engine, "evt_1", ISSUE, data).outcome is Outcome.APPLIED
    assert issues(engine)[0].type == "integration.something_kombo_adds_next_year"


def test_an_empty_message_is_a_message(engine, orgs):
    assert deliver(engine, "evt_1", ISSUE, issue_data(markdown_message="")).outcome is (
        Outcome.APPLIED
    )
    assert issues(engine)[0].markdown_message == ""


def test_a_message_too_long_for_its_column_is_cut_with_a_mark(engine, orgs):
    long = "word " * (MESSAGE_LENGTH // 5 + 100)

    assert deliver(engine, "evt_1", ISSUE, issue_data(markdown_message=long)).outcome is (
        Outcome.APPLIED
    )

    stored = issues(engine)[0].markdown_message
    assert len(stored) == MESSAGE_LENGTH
    assert stored == long[: MESSAGE_LENGTH - 1] + "…"
    assert long in stored_event(engine, "evt_1").body, "the inbox keeps it whole"


def test_a_resolved_event_without_a_time_is_resolved_when_received(engine, orgs):
    data = issue_data("resolved")
    data["issue"]["resolved_at"] = None
    before = datetime.now(UTC)

    assert deliver(engine, "evt_1", ISSUE, data).outcome is Outcome.APPLIED

    [issue] = issues(engine)
    assert issue.status == RESOLVED and issue.resolved_at is not None
    assert as_utc(issue.resolved_at) >= before


# -- repeats and order -------------------------------------------------------------------


def test_a_repeated_delivery_changes_nothing(engine, orgs):
    deliver(engine, "evt_1", ISSUE, issue_data("raised"))
    before = version(engine, orgs.acme)

    again = deliver(engine, "evt_1", ISSUE, issue_data("raised", title="Something else"))

    assert again.outcome is Outcome.DUPLICATE
    assert issues(engine)[0].title == TITLE
    assert version(engine, orgs.acme) == before


def test_raised_again_while_open_refreshes_kombos_words(engine, orgs):
    deliver(engine, "evt_1", ISSUE, issue_data("raised"))

    result = deliver(engine, "evt_2", ISSUE, issue_data("raised", title="Token expired"))

    assert result.outcome is Outcome.APPLIED
    [issue] = issues(engine)
    assert (issue.title, issue.status) == ("Token expired", "OPEN")


def test_a_raise_delivered_after_its_resolution_never_reopens_it(engine, orgs):
    assert deliver(engine, "evt_2", ISSUE, issue_data("resolved")).outcome is Outcome.APPLIED
    before = version(engine, orgs.acme)

    late = deliver(engine, "evt_1", ISSUE, issue_data("raised"))

    assert late.outcome is Outcome.FLAGGED
    [issue] = issues(engine)
    assert issue.status == RESOLVED
    event = stored_event(engine, "evt_1")
    assert event.flag == "older than the issue as recorded: changed nothing"
    assert event.applied_at is None
    assert version(engine, orgs.acme) == before
    assert open_of(engine, orgs.acme) == {}


def test_a_new_episode_reopens_a_resolved_issue(engine, orgs):
    deliver(engine, "evt_1", ISSUE, issue_data("raised"))
    deliver(engine, "evt_2", ISSUE, issue_data("resolved"))

    again = deliver(engine, "evt_3", ISSUE, issue_data("raised", first_observed_at=LATER))

    assert again.outcome is Outcome.APPLIED
    [issue] = issues(engine)
    assert (issue.status, issue.resolved_at) == ("OPEN", None)
    assert as_utc(issue.first_observed_at) == datetime(2026, 12, 3, 10, tzinfo=UTC)


def test_a_late_resolution_of_an_earlier_episode_leaves_the_new_one_open(engine, orgs):
    deliver(engine, "evt_3", ISSUE, issue_data("raised", first_observed_at=LATER))

    late = deliver(engine, "evt_2", ISSUE, issue_data("resolved", first_observed_at=FIRST_SEEN))

    assert late.outcome is Outcome.FLAGGED
    assert issues(engine)[0].status == "OPEN"
    assert open_of(engine, orgs.acme) == {orgs.integration: ["iss_1"]}


def test_a_raise_of_an_earlier_episode_keeps_the_newer_words(engine, orgs):
    deliver(engine, "evt_2", ISSUE, issue_data("raised", first_observed_at=LATER, title="New"))

    late = deliver(engine, "evt_1", ISSUE, issue_data("raised", title="Old"))

    assert late.outcome is Outcome.FLAGGED
    [issue] = issues(engine)
    assert issue.title == "New"
    assert as_utc(issue.first_observed_at) == datetime(2026, 12, 3, 10, tzinfo=UTC)


def test_a_resolution_of_a_newer_episode_than_stored_resolves_it(engine, orgs):
    deliver(engine, "evt_1", ISSUE, issue_data("raised"))

    result = deliver(engine, "evt_3", ISSUE, issue_data("resolved", first_observed_at=LATER))

    assert result.outcome is Outcome.APPLIED
    assert issues(engine)[0].status == RESOLVED


# -- events that change nothing --------------------------------------------------------


def assert_changed_nothing(engine, orgs, event_id: str, before: tuple[int, int]) -> None:
    assert issues(engine) == []
    assert (version(engine, orgs.acme), version(engine, orgs.globex)) == before
    event = stored_event(engine, event_id)
    assert event.applied_at is None and event.organisation_id is None


def test_an_issue_of_an_unknown_integration_is_kept_flagged(engine, orgs):
    before = (version(engine, orgs.acme), version(engine, orgs.globex))

    result = deliver(engine, "evt_1", ISSUE, issue_data(integration="personio:UNKNOWN"))

    assert result.outcome is Outcome.FLAGGED
    assert stored_event(engine, "evt_1").flag == "unknown integration"
    assert_changed_nothing(engine, orgs, "evt_1", before)


def test_an_issue_of_the_whole_environment_is_stored_for_the_operator(engine, orgs):
    before = (version(engine, orgs.acme), version(engine, orgs.globex))

    result = deliver(engine, "evt_1", ISSUE, issue_data(integration=None))

    assert result.outcome is Outcome.STORED
    assert stored_event(engine, "evt_1").flag == (
        "an issue of the whole environment: shown to no organisation"
    )
    assert_changed_nothing(engine, orgs, "evt_1", before)


def test_an_issue_naming_another_organisation_is_flagged(engine, orgs):
    before = (version(engine, orgs.acme), version(engine, orgs.globex))

    result = deliver(engine, "evt_1", ISSUE, issue_data(origin=orgs.globex))

    assert result.outcome is Outcome.FLAGGED
    assert stored_event(engine, "evt_1").flag == "names another organisation than the integration's"
    assert_changed_nothing(engine, orgs, "evt_1", before)


def test_an_issue_naming_its_own_organisation_is_applied(engine, orgs):
    assert deliver(engine, "evt_1", ISSUE, issue_data(origin=orgs.acme)).outcome is (
        Outcome.APPLIED
    )


def test_an_issue_id_of_another_integration_is_never_moved(engine, orgs):
    with transaction(engine) as session:
        record_integration(
            session,
            IntegrationFacts(
                kombo_integration_id="greenhouse:BBBB",
                organisation_id=orgs.globex,
                category="ATS",
                tool_id="greenhouse",
            ),
        )
    deliver(engine, "evt_1", ISSUE, issue_data())
    before = (version(engine, orgs.acme), version(engine, orgs.globex))

    result = deliver(engine, "evt_2", ISSUE, issue_data("resolved", integration="greenhouse:BBBB"))

    assert result.outcome is Outcome.FLAGGED
    assert stored_event(engine, "evt_2").flag == "the issue is recorded for another integration"
    [issue] = issues(engine)
    assert (issue.organisation_id, issue.status) == (orgs.acme, "OPEN")
    assert (version(engine, orgs.acme), version(engine, orgs.globex)) == before


def test_an_issue_of_a_removed_integration_is_recorded_but_shown_on_no_card(engine, orgs):
    with transaction(engine) as session:
        mark_removed(session, INTEGRATION)

    assert deliver(engine, "evt_1", ISSUE, issue_data()).outcome is Outcome.APPLIED
    # Stored (its resolution may follow); the card shows only the live integration's.
    assert [issue.status for issue in issues(engine)] == ["OPEN"]


def without(data: dict, key: str) -> dict:
    return {name: value for name, value in data.items() if name != key}


def with_issue(**fields: object) -> dict:
    data = issue_data()
    data["issue"] = {**data["issue"], **fields}
    return data


def without_issue_field(name: str) -> dict:
    data = issue_data()
    data["issue"] = without(data["issue"], name)
    return data


@pytest.mark.parametrize(
    ("data", "flag"),
    [
        (without(issue_data(), "change"), "no usable change (raised or resolved)"),
        ({**issue_data(), "change": "opened"}, "no usable change (raised or resolved)"),
        ({**issue_data(), "change": ["raised"]}, "no usable change (raised or resolved)"),
        ({**issue_data(), "change": "RAISED"}, "no usable change (raised or resolved)"),
        (without(issue_data(), "issue"), "no usable issue"),
        ({**issue_data(), "issue": ["iss_1"]}, "no usable issue"),
        (without_issue_field("id"), "no usable issue.id"),
        (with_issue(id=17), "no usable issue.id"),
        (with_issue(id="i" * 201), "no usable issue.id"),
        (with_issue(id="iss\u0000"), "no usable issue.id"),
        (without_issue_field("type"), "no usable issue.type"),
        (with_issue(type="t" * 201), "no usable issue.type"),
        (without_issue_field("title"), "no usable issue.title"),
        (with_issue(title="   "), "no usable issue.title"),
        (with_issue(title="T" * 501), "no usable issue.title"),
        (with_issue(title="\ud800"), "no usable issue.title"),
        (with_issue(title={"en": TITLE}), "no usable issue.title"),
        (without_issue_field("markdown_message"), "no usable issue.markdown_message"),
        (with_issue(markdown_message=7), "no usable issue.markdown_message"),
        (with_issue(markdown_message="a\u0000b"), "no usable issue.markdown_message"),
        (with_issue(markdown_message="\udfff"), "no usable issue.markdown_message"),
        (without_issue_field("status"), "no usable issue.status (OPEN or RESOLVED)"),
        (with_issue(status="CLOSED"), "no usable issue.status (OPEN or RESOLVED)"),
        (with_issue(status=["OPEN"]), "no usable issue.status (OPEN or RESOLVED)"),
        (with_issue(status="RESOLVED"), "issue.status contradicts change"),
        (without_issue_field("first_observed_at"), "no usable issue.first_observed_at"),
        (with_issue(first_observed_at="yesterday"), "no usable issue.first_observed_at"),
        (with_issue(first_observed_at=1764583200), "no usable issue.first_observed_at"),
        (with_issue(first_observed_at="2" * 100), "no usable issue.first_observed_at"),
        (with_issue(resolved_at="soon"), "no usable issue.resolved_at"),
        (with_issue(resolved_at=12), "no usable issue.resolved_at"),
        (without(issue_data(), "integration"), NO_INTEGRATION),
        ({**issue_data(), "integration": "personio:AAAA"}, "no usable integration id"),
        ({**issue_data(), "integration": {"tool": "personio"}}, "no usable integration id"),
        ({**issue_data(), "integration": {"id": 12}}, "no usable integration id"),
        ({**issue_data(), "integration": {"id": "x" * 201}}, "no usable integration id"),
    ],
    ids=[
        "no change", "unknown change", "change a list", "change upper-case", "no issue",
        "issue a list", "no id", "id a number", "id too long", "NUL in id", "no type",
        "type too long", "no title", "blank title", "title too long", "lone surrogate title",
        "title an object", "no message", "message a number", "NUL in message",
        "lone surrogate message", "no status", "unknown status", "status a list",
        "status contradicts change", "no first_observed_at", "first_observed_at not a time",
        "first_observed_at a number", "first_observed_at huge", "resolved_at not a time",
        "resolved_at a number", "no integration", "integration a string",
        "integration without id", "integration id a number", "integration id too long",
    ],
)  # fmt: skip
def test_an_event_with_an_unusable_field_is_kept_flagged_and_changes_nothing(
    engine, orgs, data, flag
):
    before = (version(engine, orgs.acme), version(engine, orgs.globex))

    result = deliver(engine, "evt_bad", ISSUE, data)

    assert (result.outcome, result.flag) == (Outcome.FLAGGED, flag)
    assert stored_event(engine, "evt_bad").flag == flag
    assert_changed_nothing(engine, orgs, "evt_bad", before)


def test_the_reader_names_the_field_and_never_passes_junk_on():
    with pytest.raises(UnusableIssue, match=r"issue\.title"):
        read_issue_news(with_issue(title=None))

    news = read_issue_news(issue_data("raised", resolved_at="2026-12-02T09:00:00.000Z"))

    assert news.resolved_at is None, "an open issue has no resolution, whatever it says"
