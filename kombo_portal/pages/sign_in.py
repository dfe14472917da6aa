"""The sign-in page."""

from __future__ import annotations

import reflex as rx

from kombo_portal.config import get_settings
from kombo_portal.config.oidc import DEFAULT_OIDC_NAME
from kombo_portal.pages.layout import (
    brand,
    colour_mode_toggle,
    language_switch,
    page_chrome,
    page_is_live,
    t,
)
from kombo_portal.records.accounts import DEMO_ADMIN_EMAIL, DEMO_MEMBER_EMAIL, DEMO_PASSWORD
from kombo_portal.state.auth import AuthState

# The page's title: its heading, and (with the product's name) its browser tab's.
SIGN_IN_TITLE_KEY = "sign_in.title"


def demo_credentials() -> rx.Component:
    # callout.root is a div; rx.callout(...) would put these paragraphs inside a <p>,
    # which browsers re-nest, breaking React's hydration.
    return rx.callout.root(
        rx.callout.icon(rx.icon("flask-conical")),
        rx.vstack(
            rx.callout.text(t("sign_in.demo")),
            rx.callout.text(t("sign_in.demo_admin"), " ", rx.code(DEMO_ADMIN_EMAIL)),
            rx.callout.text(t("sign_in.demo_member"), " ", rx.code(DEMO_MEMBER_EMAIL)),
            rx.callout.text(t("sign_in.demo_password"), " ", rx.code(DEMO_PASSWORD)),
            spacing="1",
        ),
        color_scheme="amber",
    )


def labelled_input(label: rx.Var, name: str, **props) -> rx.Component:
    # Disabled until the page is live: what is typed before that would be lost.
    return rx.vstack(
        rx.el.label(label, html_for=name, font_weight="500"),
        rx.input(
            id=name,
            name=name,
            required=True,
            width="100%",
            size="3",
            disabled=~page_is_live(),
            **props,
        ),
        spacing="1",
        width="100%",
    )


def sign_in_page() -> rx.Component:
    return rx.el.main(
        rx.center(
            rx.vstack(
                rx.hstack(
                    brand(),
                    rx.hstack(
                        language_switch(AuthState.choose_language),
                        colour_mode_toggle(),
                        align="center",
                        spacing="3",
                    ),
                    justify="between",
                    align="center",
                    width="100%",
                    wrap="wrap",
                ),
                sign_in_card(),
                spacing="4",
                width="min(420px, 100%)",
            ),
            page_chrome(SIGN_IN_TITLE_KEY),
            min_height="100vh",
            padding="4",
        )
    )


def sign_in_card() -> rx.Component:
    settings = get_settings()
    # A password form or a link to the host's sign-in comes before the other ways in.
    has_host_way = settings.sign_in.password or settings.sign_in.host_sign_in_url is not None
    return rx.card(
        rx.vstack(
            rx.heading(t(SIGN_IN_TITLE_KEY), as_="h1", size="6"),
            *([demo_credentials()] if settings.sandbox_mode and settings.sign_in.password else []),
            rx.cond(
                AuthState.sign_in_error != "",
                rx.callout(
                    AuthState.sign_in_error,
                    icon="triangle-alert",
                    color_scheme="red",
                    role="alert",
                ),
            ),
            password_form() if settings.sign_in.password else host_sign_in(),
            *([oidc_sign_in(after_another_way=has_host_way)] if settings.oidc.enabled else []),
            *([demo_handoff()] if settings.demo_handoff else []),
            spacing="4",
            width="100%",
        ),
        width="100%",
        size="4",
    )


def password_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            labelled_input(t("sign_in.email"), "email", type="email", auto_complete="username"),
            labelled_input(
                t("sign_in.password"),
                "password",
                type="password",
                auto_complete="current-password",
            ),
            rx.button(
                t("sign_in.submit"),
                type="submit",
                size="3",
                width="100%",
                disabled=~page_is_live(),
            ),
            spacing="4",
            width="100%",
        ),
        on_submit=AuthState.sign_in,
        reset_on_submit=False,
        width="100%",
    )


def host_sign_in() -> rx.Component:
    """With password sign-in off: where people sign in instead (the host product; with
    OpenID Connect and no PORTAL_HOST_SIGN_IN_URL, only the button below)."""
    url = get_settings().sign_in.host_sign_in_url
    link = rx.link(
        rx.button(t("sign_in.host_link"), size="3", width="100%"), href=url, width="100%"
    )
    return rx.vstack(
        rx.text(t("sign_in.host_only")),
        *([link] if url else []),
        spacing="3",
        width="100%",
    )


def or_line() -> rx.Component:
    return rx.hstack(
        rx.separator(size="4"),
        rx.text(t("sign_in.or"), size="2", color_scheme="gray"),
        rx.separator(size="4"),
        align="center",
        width="100%",
    )


def oidc_sign_in(*, after_another_way: bool) -> rx.Component:
    """The host's OpenID provider: "Sign in with PORTAL_OIDC_NAME" (or, unnamed, with
    "your company account" in the page's language)."""
    oidc = get_settings().oidc
    name = t("oidc.default_name") if oidc.name == DEFAULT_OIDC_NAME else oidc.name
    return rx.vstack(
        *([or_line()] if after_another_way else []),
        rx.button(
            rx.icon("building-2"),
            t("sign_in.oidc").replace("{name}", name),
            on_click=AuthState.sign_in_with_oidc,
            size="3",
            width="100%",
            height="auto",
            min_height="var(--space-7)",
            padding_y="var(--space-2)",
            white_space="normal",
            disabled=~page_is_live(),
        ),
        spacing="3",
        width="100%",
    )


def demo_handoff() -> rx.Component:
    """Sandbox mode: the sign-in a host product would make, played by the portal."""
    return rx.vstack(
        or_line(),
        rx.button(
            rx.icon("arrow-right-left"),
            t("sign_in.demo_handoff"),
            on_click=AuthState.sign_in_through_demo_host,
            variant="outline",
            size="3",
            width="100%",
            # Its words take two lines in most languages: the button grows with them.
            height="auto",
            min_height="var(--space-7)",
            padding_y="var(--space-2)",
            white_space="normal",
            disabled=~page_is_live(),
        ),
        rx.text(t("sign_in.demo_handoff_hint"), size="2", color_scheme="gray"),
        spacing="3",
        width="100%",
    )
