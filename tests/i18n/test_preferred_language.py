"""The language a browser asks for (Accept-Language), among those the portal speaks."""

from datetime import UTC, datetime

import pytest

from kombo_portal.i18n import format_date, format_moment, preferred_language


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("de", "de"),
        ("de-CH", "de"),
        ("de-CH,de;q=0.9,en;q=0.8", "de"),
        ("en-US,en;q=0.9,de;q=0.8", "en"),
        ("fr-FR, fr;q=0.9", "fr"),
        ("it;q=0.5, es;q=0.7", "es"),
        ("nl, de;q=0.3", "de"),  # Dutch is not spoken here; the next best is
        ("de;q=0, fr;q=0.1", "fr"),  # q=0: "not this one"
        ("ES", "es"),
        ("es-419", "es"),
        ("*", "en"),
        ("de;q=1.5", "en"),  # nonsense quality counts as nothing
        ("de;q=abc", "en"),
        ("nl-NL,pt;q=0.8", "en"),
        ("", "en"),
        (";;;,,,", "en"),
        ("\x00de", "en"),
        ("x" * 5000, "en"),
        (None, "en"),
        (42, "en"),
        ("it, fr", "it"),  # a tie keeps the header's order
    ],
)
def test_the_best_supported_language_wins_else_english(header, expected):
    assert preferred_language(header) == expected


def test_dates_follow_the_language():
    moment = datetime(2026, 3, 9, 14, 5, tzinfo=UTC)

    assert format_date("en", moment) == "9 Mar 2026"
    assert format_date("de", moment) == "9. März 2026"
    assert format_date("fr", moment) == "9 mars 2026"
    assert format_moment("de", moment) == "9. März 2026, 14:05 UTC"
