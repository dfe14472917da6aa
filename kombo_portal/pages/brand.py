"""What every page shows of the operator's branding, and the colour mode toggle."""

from __future__ import annotations

import reflex as rx

from kombo_portal.config import get_settings
from kombo_portal.state.auth import AuthState


def brand() -> rx.Component:
    """The operator's product name and logo (PORTAL_PRODUCT_NAME, PORTAL_LOGO_URL)."""
    settings = get_settings()
    return rx.hstack(
        # The name beside it says what the logo would: no second announcement.
        rx.image(src=settings.logo_url, alt="", height="28px", width="auto", max_width="120px"),
        rx.text(settings.product_name, weight="bold", size="4"),
        align="center",
        spacing="2",
        data_brand="",
    )


def tab_title(page_title: str | rx.Var[str]) -> str | rx.Var[str]:
    """A browser tab's title: the page's, then the operator's product name
    (`Integrations · Acme HR`). At build time from a text; at run time from the
    page's text in the reader's language."""
    return page_title + f" · {get_settings().product_name}"


def colour_mode_toggle() -> rx.Component:
    # Follows the system's preference until pressed; the choice is kept in the browser.
    return rx.color_mode.button(
        size="2",
        variant="ghost",
        aria_label=AuthState.text["page.dark_mode"],
        aria_pressed=rx.color_mode_cond(light="false", dark="true"),
        data_colour_mode_toggle="",
    )
