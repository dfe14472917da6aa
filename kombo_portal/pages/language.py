"""The language switch both pages show."""

from __future__ import annotations

import reflex as rx

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


def language_switch(on_change) -> rx.Component:
    """A plain <select>: keyboard and screen readers know it. Each language is named in
    its own words and marked as such (`lang`), so it is read out right."""
    return rx.hstack(
        rx.icon("languages", size=16, aria_hidden="true"),
        rx.el.label(AuthState.text["language.label"], html_for="language", style=VISUALLY_HIDDEN),
        rx.el.select(
            *[rx.el.option(name, value=code, lang=code) for code, name in LANGUAGES.items()],
            id="language",
            value=AuthState.language,
            on_change=on_change,
            # Until the page is live a choice would be lost (and the select put back).
            disabled=~AuthState.is_hydrated,
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
