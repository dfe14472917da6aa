"""The pages' words all come from the catalogues: no literal text in the component
trees, so nothing stays English when the reader's language is another."""

import pytest
import reflex as rx
from reflex.components.base.bare import Bare
from reflex.vars.base import LiteralVar

from kombo_portal.components import DocumentLanguage
from kombo_portal.config import get_settings
from kombo_portal.i18n import LANGUAGES
from kombo_portal.pages.integrations import integrations_page
from kombo_portal.pages.sign_in import sign_in_page
from kombo_portal.records.accounts import DEMO_ADMIN_EMAIL, DEMO_MEMBER_EMAIL, DEMO_PASSWORD

# Text that is the same in every language on purpose: each language's own name (in
# the switch), the sandbox's demo credentials, and the operator's product name.
NOT_WORDS = {
    *LANGUAGES.values(),
    DEMO_ADMIN_EMAIL,
    DEMO_MEMBER_EMAIL,
    DEMO_PASSWORD,
    get_settings().branding.product_name,
}
# Props a reader hears or sees as text.
TEXT_PROPS = ("aria_label", "title", "alt", "placeholder", "frame_title", "label")


def literal_texts(component: rx.Component):
    """(where, text) for every literal text with letters in the tree."""
    if isinstance(component, Bare) and isinstance(component.contents, LiteralVar):
        value = component.contents._var_value
        if isinstance(value, str) and any(c.isalpha() for c in value):
            yield "child", value
    props = {name: getattr(component, name, None) for name in TEXT_PROPS}
    props |= {name.replace("-", "_"): value for name, value in component.custom_attrs.items()}
    for name, value in props.items():
        if name not in TEXT_PROPS:
            continue
        if isinstance(value, LiteralVar):
            value = value._var_value
        if isinstance(value, str) and any(c.isalpha() for c in value):
            yield f"{type(component).__name__}.{name}", value
    for child in component.children:
        yield from literal_texts(child)


@pytest.mark.parametrize("page", [integrations_page, sign_in_page], ids=lambda page: page.__name__)
def test_no_page_shows_text_that_is_not_from_a_catalogue(page):
    hard_coded = [(where, text) for where, text in literal_texts(page()) if text not in NOT_WORDS]

    assert hard_coded == []


def components(component: rx.Component):
    yield component
    for child in component.children:
        yield from components(child)


@pytest.mark.parametrize(
    ("page", "key"),
    [(integrations_page, "page.title"), (sign_in_page, "sign_in.title")],
    ids=["integrations_page", "sign_in_page"],
)
def test_the_tab_title_is_the_pages_title_in_the_pages_language(page, key):
    """The build-time <title> is English; the page keeps it in the reader's language."""
    [title] = [c.title for c in components(page()) if isinstance(c, DocumentLanguage)]

    code = str(title)
    assert f'.text_rx_state_?.["{key}"]' in code, code
    assert get_settings().branding.product_name in code


def test_the_walk_finds_literal_text():
    tree = rx.vstack(rx.text("Hello"), rx.cond(True, rx.button("Go", aria_label="Leave")))

    assert sorted(text for _, text in literal_texts(tree)) == ["Go", "Hello", "Leave"]
