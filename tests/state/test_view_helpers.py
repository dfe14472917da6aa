from datetime import UTC, datetime

import pytest

from kombo_portal.db.models import Integration
from kombo_portal.state.auth import HOME_PATH, _safe_next
from kombo_portal.state.integrations import card_view


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


def test_an_empty_card_offers_to_connect():
    view = card_view("ATS", None, {})

    assert (view["connected"], view["title"], view["category"]) == ("", "Recruiting system", "ATS")


@pytest.mark.parametrize(
    ("state", "setup_status", "text", "colour"),
    [
        ("ACTIVE", "COMPLETED", "Active", "green"),
        ("INVALID", "COMPLETED", "Needs reconnection", "red"),
        ("INACTIVE", "COMPLETED", "Disabled", "gray"),
        ("ACTIVE", "INCOMPLETE", "Setup incomplete", "amber"),
        ("PAUSED", "COMPLETED", "Paused", "gray"),
    ],
)
def test_a_connected_card_names_its_status_in_words(state, setup_status, text, colour):
    view = card_view("HRIS", integration(state=state, setup_status=setup_status), {"u1": "Ada"})

    assert (view["status_text"], view["status_colour"]) == (text, colour)
    assert (view["tool_label"], view["connected_by"], view["connected_on"]) == (
        "Personio",
        "Ada",
        "3 Nov 2026",
    )
