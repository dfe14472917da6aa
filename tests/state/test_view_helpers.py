from datetime import UTC, datetime

import pytest

from kombo_portal.db.models import FlowFailure, Integration
from kombo_portal.paths import HOME_PATH
from kombo_portal.state.auth import _safe_next
from kombo_portal.state.cards import card_facts, card_view


@pytest.mark.parametrize(
    ("requested", "expected"),
    [
        ("/settings/integrations", "/settings/integrations"),
        ("/settings/integrations?x=1", "/settings/integrations?x=1"),
        (None, HOME_PATH),
        ("", HOME_PATH),
        ("https://evil.example/", HOME_PATH),
        ("//evil.example/", HOME_PATH),
        ("/\\evil.example", HOME_PATH),
        ("javascript:alert(1)", HOME_PATH),
        ("/\t/evil.example", HOME_PATH),
        ("/\n/evil.example", HOME_PATH),
        ("/ /evil.example", HOME_PATH),
        ("/\x00x", HOME_PATH),
        ("/%2F%2Fevil.example", "/%2F%2Fevil.example"),
    ],
)
def test_after_sign_in_only_paths_of_this_site_are_followed(requested, expected):
    assert _safe_next(requested) == expected


def integration(**fields) -> Integration:
    values = {
        "kombo_integration_id": "personio:x",
        "organisation_id": "org",
        "category": "HRIS",
        "tool_id": "personio",
        "tool_label": "Personio",
        "state": "ACTIVE",
        "setup_status": "COMPLETED",
        "connected_by_user_id": "u1",
        "connected_at": datetime(2026, 11, 3, tzinfo=UTC),
    }
    return Integration(**{**values, **fields})


REMOVED_AT = datetime(2026, 11, 29, 10, tzinfo=UTC)


def view(category="HRIS", live=None, failure=None, removed=None, language="en", **kwargs):
    facts = card_facts(category, live, {"u1": "Ada"}, failure, removed)
    return card_view(facts, language, **kwargs)


def test_an_empty_card_offers_to_connect():
    card = view("ATS")

    assert (card.connected, card.title, card.category) == (False, "Recruiting system", "ATS")
    assert (card.state, card.status_text) == ("not_connected", "Not connected")
    assert (card.primary, card.primary_label, card.can_invite) == (
        "connect",
        "Connect ATS",
        True,
    )


def test_a_category_without_an_acronym_is_named_in_words_on_its_button():
    card = view("ASSESSMENT")
    removed = view("ASSESSMENT", removed=integration(category="ASSESSMENT", removed_at=REMOVED_AT))

    assert card.primary_label == "Connect Assessment platform"
    assert removed.primary_label == "Connect Assessment platform again"
    assert view("ASSESSMENT", language="de").primary_label == "Assessment-Plattform verbinden"


@pytest.mark.parametrize(
    ("state", "setup_status", "text", "colour", "primary"),
    [
        ("ACTIVE", "COMPLETED", "Active", "green", ""),
        ("INVALID", "COMPLETED", "Needs reconnection", "red", "reconnect"),
        ("INACTIVE", "COMPLETED", "Disabled", "gray", "enable"),
        ("ACTIVE", "INCOMPLETE", "Setup incomplete", "amber", "finish_setup"),
        # A state Kombo may add one day: shown as connected until the portal knows it.
        ("PAUSED", "COMPLETED", "Active", "green", ""),
    ],
)
def test_a_connected_card_names_its_status_in_words(state, setup_status, text, colour, primary):
    card = view(live=integration(state=state, setup_status=setup_status))

    assert (card.status_text, card.status_colour, card.primary) == (text, colour, primary)
    assert (card.tool_label, card.details) == ("Personio", "Connected by Ada on 3 Nov 2026")
    assert card.disconnect_title == "Disconnect Personio?"


def test_a_card_speaks_the_readers_language_dates_included():
    card = view(live=integration(state="INVALID"), language="de")

    assert (card.title, card.status_text, card.primary_label) == (
        "HR-System",
        "Neu verbinden nötig",
        "Neu verbinden",
    )
    assert card.details == "Verbunden von Ada am 3. Nov. 2026"


def test_a_removed_integration_says_when_and_offers_to_connect_again():
    removed = integration(removed_at=datetime(2026, 11, 29, 10, tzinfo=UTC))

    card = view(removed=removed)

    assert (card.state, card.status_text, card.connected) == ("removed", "Removed", False)
    assert card.explanation == "Personio was removed on 29 Nov 2026. Nothing syncs any more."
    assert (card.primary, card.primary_label) == ("connect_again", "Connect HRIS again")


def test_a_failure_reported_after_the_flow_opened_shows_on_the_open_card():
    failed = FlowFailure(
        organisation_id="org",
        category="HRIS",
        tool_id="workday",
        failed_at=datetime(2026, 11, 29, 10, 5, tzinfo=UTC),
    )
    opened = datetime(2026, 11, 29, 10, tzinfo=UTC)

    card = view(failure=failed, flow_open=True, flow_opened_at=opened)
    before = view(
        failure=failed, flow_open=True, flow_opened_at=datetime(2026, 11, 29, 10, 6, tzinfo=UTC)
    )

    assert (card.state, card.busy) == ("failed", True)
    assert card.explanation == "The last attempt to connect Workday failed."
    assert before.state == "connecting"


def test_a_card_with_its_flow_open_shows_it_on_the_button_it_was_opened_with():
    card = view(live=integration(state="INVALID"), flow_open=True)

    assert (card.state, card.status_text, card.busy) == (
        "connecting",
        "Connecting…",
        True,
    )
    assert card.explanation.startswith("Finish in the window that opened.")
    assert card.primary == "reconnect"


FAILURE = FlowFailure(
    organisation_id="org",
    category="HRIS",
    tool_id="workday",
    failed_at=datetime(2026, 11, 29, 10, 5, tzinfo=UTC),
)
REMOVED = integration(removed_at=datetime(2026, 11, 29, 10, tzinfo=UTC))


@pytest.mark.parametrize(
    ("cards", "state", "admin_text", "member_text"),
    [
        (
            {},
            "not_connected",
            "Nothing is connected yet. Connect it to bring its data in.",
            "Nothing is connected yet. An admin can connect it.",
        ),
        (
            {"live": integration(state="INVALID")},
            "needs_reconnection",
            "The sign-in details stopped working, so nothing syncs.",
            "The sign-in details stopped working, so nothing syncs. An admin can reconnect it.",
        ),
        (
            {"live": integration(state="INACTIVE")},
            "disabled",
            "Switched off: nothing syncs until you enable it.",
            "Switched off: nothing syncs until an admin enables it.",
        ),
        (
            {"live": integration(setup_status="INCOMPLETE")},
            "setup_incomplete",
            "A few choices are still missing before data can sync.",
            "A few choices are still missing before data can sync. An admin can finish the setup.",
        ),
        (
            {"removed": REMOVED},
            "removed",
            "Personio was removed on 29 Nov 2026. Nothing syncs any more.",
            "Personio was removed on 29 Nov 2026. Nothing syncs any more. "
            "An admin can connect it again.",
        ),
        (
            {"failure": FAILURE},
            "failed",
            "The last attempt to connect Workday failed.",
            "The last attempt to connect Workday failed. An admin can try again.",
        ),
    ],
)
def test_a_member_is_told_who_can_act_where_an_admin_is_told_to(
    cards, state, admin_text, member_text
):
    admin = view(**cards, is_admin=True)
    member = view(**cards, is_admin=False)

    assert (admin.state, member.state) == (state, state)
    assert admin.explanation == admin_text
    assert member.explanation == member_text


def test_a_failed_reconnect_of_a_working_integration_leaves_its_card_active_with_a_note():
    failed = FlowFailure(
        organisation_id="org",
        category="HRIS",
        tool_id="personio",
        failed_at=datetime(2026, 11, 29, 10, 5, tzinfo=UTC),
        log_url="https://app.kombo.dev/logs/1",
    )

    card = view(live=integration(), failure=failed)
    member = view(live=integration(), failure=failed, is_admin=False)

    assert (card.state, card.status_text, card.primary) == ("active", "Active", "")
    assert card.explanation == (
        "Personio still works: the last attempt to reconnect it failed and changed nothing."
    )
    assert card.log_url == "https://app.kombo.dev/logs/1"
    assert card.can_reconnect is True
    assert member.explanation == card.explanation
    # A failure older than the connection is history: nothing to note.
    older = FlowFailure(**{**failed.model_dump(), "failed_at": datetime(2026, 11, 1, tzinfo=UTC)})
    assert view(live=integration(), failure=older).explanation == (
        "Connected and syncing. Nothing to do."
    )
    assert view(live=integration(), failure=older).log_url == ""


def test_a_member_reads_the_same_where_nothing_is_asked_of_anyone():
    live = integration()

    assert view(live=live, is_admin=False).explanation == view(live=live).explanation


@pytest.mark.parametrize("language", ["de", "fr", "it", "es"])
def test_a_members_explanation_is_their_own_in_every_language(language):
    admin = view(language=language, is_admin=True)
    member = view(language=language, is_admin=False)

    assert member.explanation not in ("", admin.explanation)
    assert view(language="de", is_admin=False).explanation == (
        "Noch ist nichts verbunden. Ein Admin kann es verbinden."
    )


def setup_view(setup_status: str, has_setup_steps: bool, state: str = "ACTIVE"):
    live = integration(state=state, setup_status=setup_status)
    facts = card_facts("HRIS", live, {}, has_setup_steps=has_setup_steps)
    return card_view(facts, "en")


def test_a_completed_setup_can_be_changed_only_where_the_deployment_has_setup_steps():
    assert setup_view("COMPLETED", has_setup_steps=True).can_change_setup
    assert not setup_view("COMPLETED", has_setup_steps=False).can_change_setup
    # Incomplete: "Finish setup" is the primary action instead; broken: reconnect first.
    incomplete = setup_view("INCOMPLETE", has_setup_steps=True)
    assert (incomplete.can_change_setup, incomplete.primary_label) == (False, "Finish setup")
    assert not setup_view("COMPLETED", has_setup_steps=True, state="INVALID").can_change_setup


def test_static_ips_are_listed_on_the_card_whatever_its_state():
    addresses = ("203.0.113.7", "203.0.113.8")
    not_connected = card_view(card_facts("HRIS", None, {}, static_ips=addresses), "de")
    connected = card_view(card_facts("HRIS", integration(), {}, static_ips=addresses), "en")

    assert not_connected.static_ips == connected.static_ips == list(addresses)
    assert card_view(card_facts("HRIS", None, {}), "en").static_ips == []
