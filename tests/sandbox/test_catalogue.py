"""The sandbox flow's own words: every language says everything English says, with
the same blanks to fill, for every category."""

import pytest

from kombo_portal.sandbox.catalogue import CATEGORIES, CATEGORY_NAMES, LANGUAGES, TEXTS
from tests.i18n.consistency import assert_says_what_english_says

OTHER_LANGUAGES = [language for language in LANGUAGES if language != "en"]


def test_every_language_has_texts_and_category_names():
    assert set(TEXTS) == set(CATEGORY_NAMES) == set(LANGUAGES)


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_every_language_has_the_same_keys_and_blanks_as_english(language):
    assert_says_what_english_says(TEXTS["en"], TEXTS[language])


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_category_has_a_name_in_every_language(language):
    names = CATEGORY_NAMES[language]

    assert set(names) == set(CATEGORIES)
    assert all(name.strip() for name in names.values()), "an empty name"


@pytest.mark.parametrize(
    ("language", "category", "title"),
    [
        ("en", "LMS", "Connect your learning platform"),
        # No article to agree with the category's gender.
        ("de", "HRIS", "HR-System verbinden"),
        ("de", "LMS", "Lernplattform verbinden"),
        ("it", "HRIS", "Collega: sistema HR"),
        ("it", "LMS", "Collega: piattaforma di formazione"),
    ],
)
def test_the_flow_title_reads_right_for_each_category(language, category, title):
    name = CATEGORY_NAMES[language][category]

    assert TEXTS[language]["title"].format(category=name) == title
