"""Every language says everything the portal says, with the same blanks to fill."""

import ast
import re
from pathlib import Path

import pytest

from kombo_portal.i18n import LANGUAGES, catalogue, category_name, page_texts, translate
from kombo_portal.kombo.models import IntegrationCategory
from kombo_portal.records.activity import ACTIONS
from kombo_portal.records.card_states import CardState
from tests.i18n.consistency import assert_says_what_english_says

CODE = Path(__file__).resolve().parents[2] / "kombo_portal"
# What a catalogue key looks like in the code: one of the catalogue's sections, a dot,
# and more (`problem.not_yours`, `page.title`).
SECTIONS = sorted({key.split(".")[0] for key in catalogue("en")})
KEY = re.compile(rf"^(?:{'|'.join(SECTIONS)})\.[A-Za-z0-9_.]*[A-Za-z0-9_]$")


def keys_in_code() -> dict[str, str]:
    """Every string literal in the portal's code that has the shape of a key -> where."""
    found = {}
    for path in CODE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        # The literal parts of f-strings are pieces of keys, not keys.
        pieces = {
            id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr)
            for part in node.values
        }  # fmt: skip
        for node in ast.walk(tree):
            if id(node) in pieces:
                continue
            text = node.value if isinstance(node, ast.Constant) else None
            if isinstance(text, str) and KEY.match(text):
                found[text] = f"{path.relative_to(CODE)}:{node.lineno}"
    return found


def keys_built_at_run_time() -> set[str]:
    """The keys the code builds from parts (f"card.{state}.label" and the like)."""
    return {
        *(f"card.{state.value}.{part}" for state in CardState for part in ("label", "explanation")),
        *(f"category.{c.value}.{part}" for c in IntegrationCategory
          for part in ("title", "description", "name")),
        *(f"activity.{action}.{outcome}" for action in (*ACTIONS, "other")
          for outcome in ("done", "cancelled", "refused", "failed")),
        *(f"date.month.{month}" for month in range(1, 13)),
    }  # fmt: skip


def test_the_scan_finds_the_keys_the_code_uses():
    found = keys_in_code()

    assert {"page.title", "problem.not_yours", "error.bad_request", "sign_in.refused"} <= set(found)
    assert len(found) > 60


def keys_pages_read() -> dict[str, str]:
    """The keys the pages' code hands to `t(...)`, read in the browser -> where."""
    found = {}
    for path in (CODE / "pages").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "t"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                found[node.args[0].value] = f"{path.relative_to(CODE)}:{node.lineno}"
    return found


def test_every_key_a_page_reads_is_sent_to_the_page():
    read = keys_pages_read()

    assert len(read) > 20
    assert {key: where for key, where in read.items() if key not in page_texts("en")} == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_key_the_code_uses_is_in_every_catalogue(language):
    wanted = {**dict.fromkeys(keys_built_at_run_time(), "built at run time"), **keys_in_code()}

    missing = {key: where for key, where in wanted.items() if key not in catalogue(language)}

    assert missing == {}, f"missing from {language}.json"


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "en"])
def test_every_catalogue_has_the_same_keys_and_blanks_as_english(language):
    assert_says_what_english_says(catalogue("en"), catalogue(language))


def test_no_catalogue_key_is_unused():
    used = set(keys_in_code()) | keys_built_at_run_time()

    assert set(catalogue("en")) - used == set()


def test_a_category_is_named_in_the_sentences_language():
    assert translate("en", "action.connect", category=category_name("HRIS")) == "Connect HRIS"
    assert (
        translate("en", "action.connect", category=category_name("ASSESSMENT"))
        == "Connect Assessment platform"
    )
    assert (
        translate("de", "action.connect_again", category=category_name("ASSESSMENT"))
        == "Assessment-Plattform erneut verbinden"
    )
    assert translate("fr", "action.connect", category=category_name("HRIS")) == "Connecter SIRH"
    # Messages that name the category agree with it in every language.
    assert translate("en", "problem.already_connected", category=category_name("ASSESSMENT")) == (
        "Assessment platform is already connected."
    )
    assert translate("fr", "problem.already_connected", category=category_name("ASSESSMENT")) == (
        "Une connexion existe déjà : plateforme d'évaluation."
    )
    # A code no catalogue knows (and never a key by accident) is shown as it is.
    assert translate("en", "action.connect", category=category_name("PAYROLL")) == "Connect PAYROLL"
    assert translate("en", "action.connect", category=category_name("page.title")) == (
        "Connect page.title"
    )


def test_blanks_are_filled_and_a_missing_blank_stays_visible():
    assert translate("de", "notice.connected", tool="Personio") == "Personio ist verbunden."
    assert translate("en", "notice.connected") == "{tool} is connected."
    # A tool's name is shown as it is, braces included.
    assert translate("en", "notice.connected", tool="{x}") == "{x} is connected."
    # An unknown language reads English.
    assert translate("nl", "page.title") == "Integrations"
