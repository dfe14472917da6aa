"""Settings → Integrations: where a customer admin connects their HRIS and ATS.

The page puts together the header, the messages, one card per category
(pages.cards), the activity log (pages.activity_log), the invite dialog
(pages.dialogs) and the Connect flow (the reflex-kombo-connect package)."""

from __future__ import annotations

import reflex as rx

from kombo_portal.components import page_watch
from kombo_portal.config import get_settings
from kombo_portal.pages.activity_log import activity_log, kombo_log_link
from kombo_portal.pages.cards import integration_card
from kombo_portal.pages.dialogs import invite_dialog
from kombo_portal.pages.layout import brand, colour_mode_toggle, language_switch, page_chrome, t
from kombo_portal.state.integrations import IntegrationsState
from reflex_kombo_connect import kombo_connect

# The page's title: its heading, and (with the product's name) its browser tab's.
INTEGRATIONS_TITLE_KEY = "page.title"


def sandbox_notice() -> rx.Component:
    return rx.callout(
        t("page.sandbox_notice"),
        icon="flask-conical",
        color_scheme="amber",
        # Amber's normal text is under WCAG AA contrast on its own background.
        high_contrast=True,
    )


def page_header() -> rx.Component:
    return rx.el.header(
        rx.hstack(
            brand(),
            rx.spacer(),
            rx.vstack(
                rx.text(IntegrationsState.user_name, weight="medium"),
                rx.text(IntegrationsState.organisation_name, size="2", color_scheme="gray"),
                rx.hstack(
                    language_switch(IntegrationsState.switch_language),
                    colour_mode_toggle(),
                    rx.button(
                        t("page.sign_out"),
                        variant="soft",
                        size="1",
                        on_click=IntegrationsState.sign_out,
                    ),
                    align="center",
                    spacing="3",
                ),
                align="end",
                spacing="1",
                # Stays on the right when a narrow screen wraps it under the brand.
                margin_left="auto",
            ),
            width="100%",
            align="start",
            wrap="wrap",
        ),
        width="100%",
    )


def page_title() -> rx.Component:
    return rx.vstack(
        rx.heading(t(INTEGRATIONS_TITLE_KEY), as_="h1", size="7"),
        rx.text(t("page.subtitle"), color_scheme="gray"),
        spacing="1",
    )


def messages() -> rx.Component:
    return rx.fragment(
        rx.cond(
            IntegrationsState.notice != "",
            rx.callout(IntegrationsState.notice, icon="info", role="status"),
        ),
        rx.cond(
            IntegrationsState.error != "",
            # callout.root, not rx.callout(...): that wraps its content in a <p>, and
            # a <p> holding this row's <div> and <p> is invalid HTML (React warns of
            # a hydration error). The size "2" is what the callout's text would set.
            rx.callout.root(
                rx.callout.icon(rx.icon("triangle-alert")),
                rx.hstack(
                    rx.text(IntegrationsState.error, size="2"),
                    rx.cond(
                        IntegrationsState.error_log_url != "",
                        kombo_log_link(IntegrationsState.error_log_url, size="2"),
                    ),
                    spacing="2",
                    wrap="wrap",
                ),
                color_scheme="red",
                role="alert",
            ),
        ),
    )


def reconnection_banner() -> rx.Component:
    return rx.cond(
        IntegrationsState.broken != "",
        rx.callout.root(
            rx.callout.icon(rx.icon("plug-zap")),
            rx.callout.text(IntegrationsState.broken),
            color_scheme="red",
            role="alert",
        ),
    )


def integrations_page() -> rx.Component:
    return rx.container(
        rx.vstack(
            page_header(),
            rx.el.main(
                rx.vstack(
                    page_title(),
                    *([sandbox_notice()] if get_settings().sandbox_mode else []),
                    messages(),
                    reconnection_banner(),
                    rx.foreach(IntegrationsState.cards, integration_card),
                    activity_log(),
                    spacing="4",
                    width="100%",
                ),
                width="100%",
            ),
            invite_dialog(),
            page_watch(stale=IntegrationsState.stale, on_return=IntegrationsState.refresh),
            page_chrome(INTEGRATIONS_TITLE_KEY),
            kombo_connect(
                link=IntegrationsState.connect_link,
                frame_title=t("page.flow_title"),
                # Back to the card the flow was for: its Connect button is gone by then.
                return_focus_to=f"[data-category='{IntegrationsState.busy_category}']",
                on_success=IntegrationsState.connect_succeeded,
                on_close=IntegrationsState.connect_cancelled,
                on_error=IntegrationsState.connect_failed,
            ),
            spacing="5",
            padding_y="6",
            width="100%",
        ),
        size="2",
    )
