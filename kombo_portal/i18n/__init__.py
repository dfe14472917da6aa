"""The portal's own words in the languages Kombo Connect speaks.

One flat JSON catalogue per language (catalogues/<code>.json): "key": "text with
{placeholders}". Services name what they mean by key and parameters; the state layer
turns them into the signed-in user's language. Nothing here knows Reflex.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from functools import cache
from pathlib import Path

# Each language in its own words: that is how people look for theirs in a list.
LANGUAGES = {
    "en": "English",
    "de": "Deutsch",
    "fr": "Français",
    "it": "Italiano",
    "es": "Español",
}
DEFAULT_LANGUAGE = "en"
CATALOGUES = Path(__file__).parent / "catalogues"
# Longest Accept-Language header worth reading (browsers send a few dozen characters).
MAX_ACCEPT_LANGUAGE_LENGTH = 1000
PLACEHOLDER = re.compile(r"\{(\w+)\}")


@cache
def catalogue(language: str) -> dict[str, str]:
    """Every text of `language` (English for one the portal does not speak)."""
    if language not in LANGUAGES:
        language = DEFAULT_LANGUAGE
    return json.loads((CATALOGUES / f"{language}.json").read_text(encoding="utf-8"))


# The keys pages read directly (`State.text["page.title"]`); the rest is rendered on
# the server (messages, card states, dates) and never sent to the browser as such.
PAGE_KEY_PREFIXES = (
    "language.",
    "page.",
    "sign_in.",
    "action.",
    "dialog.",
    "invitation.",
    "card.static_ips.",
    # The sign-in page's "Sign in with {name}" when PORTAL_OIDC_NAME is not set.
    "oidc.default_name",
)


@cache
def page_texts(language: str) -> dict[str, str]:
    """The part of `language`'s catalogue that pages show as it is."""
    return {
        key: text for key, text in catalogue(language).items() if key.startswith(PAGE_KEY_PREFIXES)
    }


def supported(language: object) -> str | None:
    """`language` if it is one the portal speaks, else None."""
    return language if isinstance(language, str) and language in LANGUAGES else None


class TextKey(str):
    """A parameter that is itself a catalogue key, translated along with its message
    (`translate(language, "activity.kombo.created", tool=TextKey("activity.an_integration"))`)."""

    __slots__ = ()


def translate(language: str, key: str, **params: object) -> str:
    """The text for `key` in `language`, its {placeholders} filled from `params`.

    A key missing from a catalogue (the tests make sure none is) falls back to
    English, then to the key itself, so a page never breaks over a word.
    """
    text = catalogue(language).get(key) or catalogue(DEFAULT_LANGUAGE).get(key, key)

    def value(match: re.Match) -> str:
        return text_in(language, params.get(match[1], match[0]))

    # Replaced one by one, not with str.format: a tool's name may hold braces.
    return PLACEHOLDER.sub(value, text)


def text_in(language: str, value: object) -> str:
    """`value` as shown in `language`: a TextKey translated, anything else as it is."""
    return translate(language, value) if isinstance(value, TextKey) else str(value)


def category_name(category: object) -> str:
    """How sentences and buttons name a Kombo category ("Connect HRIS", "Connect
    Assessment platform"): its catalogue name, translated with the sentence; a code
    the catalogues do not know is shown as it is. Messages place it where no word
    must agree with it (French, Italian and Spanish genders differ by category)."""
    key = f"category.{category}.name"
    return TextKey(key) if key in catalogue(DEFAULT_LANGUAGE) else str(category)


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def preferred_language(accept_language: object) -> str:
    """The best language the portal speaks for an HTTP Accept-Language header
    (`de-CH, de;q=0.9, en;q=0.8`): highest quality first, regions matched by their
    language, in the header's order on ties; English when none fits."""
    if not isinstance(accept_language, str) or len(accept_language) > MAX_ACCEPT_LANGUAGE_LENGTH:
        return DEFAULT_LANGUAGE
    choices = []
    for position, item in enumerate(accept_language.split(",")):
        tag, *parameters = (part.strip() for part in item.split(";"))
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if not 0 < quality <= 1:  # q=0 means "not this one"; nonsense counts as nothing
            continue
        language = supported(tag.split("-")[0].lower())
        if language:
            choices.append((-quality, position, language))
    return min(choices)[2] if choices else DEFAULT_LANGUAGE


def format_date(language: str, moment: datetime) -> str:
    """`3 Nov 2026`, `3. Nov. 2026`, ...: month names from the catalogue."""
    return translate(
        language,
        "date.format",
        day=moment.day,
        month=translate(language, f"date.month.{moment.month}"),
        year=moment.year,
    )


def format_moment(language: str, moment: datetime) -> str:
    """A date and a time of day (UTC, as stored): `3 Nov 2026, 14:05 UTC`."""
    return translate(
        language, "date.moment", date=format_date(language, moment), time=f"{moment:%H:%M}"
    )
