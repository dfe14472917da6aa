"""What every page shows around its content: the operator's brand, the language
switch, the colour mode toggle, the tab's title in the reader's language, and the
page loads that signing in and out ask for."""

from __future__ import annotations

from typing import cast, overload

import reflex as rx
from reflex.event import EventCallback
from reflex.vars import BooleanVar, StringVar

from kombo_portal.components import document_language, page_exit
from kombo_portal.config import get_settings
from kombo_portal.i18n import LANGUAGES
from kombo_portal.state.auth import AuthState

# Read by screen readers, not shown: the globe icon says it to everyone else.
VISUALLY_HIDDEN = {
    "position": "absolute",
    "width": "1px",
    "height": "1px",
    "overflow": "hidden",
    "clip": "rect(0 0 0 0)",
    "white_space": "nowrap",
}


def t(key: str) -> StringVar:
    """A word of the page in the page's language (see kombo_portal.i18n)."""
    return AuthState.text[key].to(str)


def page_is_live() -> BooleanVar:
    """Whether the page is hydrated: what is typed or chosen before that is lost."""
    # Reflex declares `is_hydrated` as a plain bool; on the class it is a Var.
    return cast(BooleanVar, AuthState.is_hydrated)


def brand() -> rx.Component:
    """The operator's product name and logo (PORTAL_PRODUCT_NAME, PORTAL_LOGO_URL)."""
    branding = get_settings().branding
    return rx.hstack(
        # The name beside it says what the logo would: no second announcement.
        rx.image(src=branding.logo_url, alt="", height="28px", width="auto", max_width="120px"),
        rx.text(branding.product_name, weight="bold", size="4"),
        align="center",
        spacing="2",
        data_brand="",
    )


@overload
def tab_title(page_title: str) -> str: ...


@overload
def tab_title(page_title: StringVar) -> StringVar: ...


def tab_title(page_title: str | StringVar) -> str | StringVar:
    """A browser tab's title: the page's, then the operator's product name
    (`Integrations · Acme HR`). At build time from a text; at run time from the
    page's text in the reader's language."""
    return page_title + f" · {get_settings().branding.product_name}"


def colour_mode_toggle() -> rx.Component:
    # Follows the system's preference until pressed; the choice is kept in the browser.
    return rx.color_mode.button(
        size="2",
        variant="ghost",
        aria_label=t("page.dark_mode"),
        aria_pressed=rx.color_mode_cond(light="false", dark="true"),
        data_colour_mode_toggle="",
    )


def language_switch(on_change: EventCallback[str]) -> rx.Component:
    """A plain <select>: keyboard and screen readers know it. Each language is named in
    its own words and marked as such (`lang`), so it is read out right."""
    return rx.hstack(
        rx.icon("languages", size=16, aria_hidden="true"),
        rx.el.label(t("language.label"), html_for="language", style=VISUALLY_HIDDEN),
        rx.el.select(
            *[rx.el.option(name, value=code, lang=code) for code, name in LANGUAGES.items()],
            id="language",
            value=AuthState.language,
            on_change=on_change,
            # Until the page is live a choice would be lost (and the select put back).
            disabled=~page_is_live(),
            style={
                "font": "inherit",
                "font_size": "var(--font-size-1)",
                "padding": "2px 6px",
                "border_radius": "var(--radius-2)",
                "border": "1px solid var(--gray-a7)",
                "background": "var(--color-surface)",
                "color": "var(--gray-12)",
            },
        ),
        align="center",
        spacing="1",
        position="relative",
        data_language_switch="",
    )


def page_chrome(title_key: str) -> rx.Component:
    """Carries out the page loads that signing in and out ask for; and keeps
    `<html lang>` on the page's language, and the tab's title (the catalogue's
    `title_key`) in it (every page has this)."""
    return rx.fragment(
        page_exit(
            href=AuthState.exit_url,
            cookie=AuthState.exit_cookie,
            order=AuthState.exit_order,
            method=AuthState.exit_method,
            live=page_is_live(),
        ),
        document_language(lang=AuthState.language, title=tab_title(t(title_key))),
    )
