"""One check for every set of texts the project keeps per language (the portal's
catalogues, the sandbox flow's words)."""

from __future__ import annotations

from kombo_portal.i18n import placeholders


def assert_says_what_english_says(english: dict[str, str], other: dict[str, str]) -> None:
    """`other` has exactly English's keys, each with the same {blanks}, none empty."""
    assert set(other) == set(english)
    assert {
        key: (placeholders(english[key]), placeholders(other[key]))
        for key in english
        if placeholders(english[key]) != placeholders(other[key])
    } == {}
    assert all(text.strip() for text in other.values()), "an empty text"
