"""Settings → Integrations: where a customer admin connects their HRIS and ATS."""

from __future__ import annotations

import reflex as rx

from kombo_portal.components import kombo_connect, return_focus_to, ticker
from kombo_portal.config import get_settings
from kombo_portal.pages.brand import brand, colour_mode_toggle
from kombo_portal.pages.language import language_switch
from kombo_portal.pages.sign_in import auth_page_exit
from kombo_portal.state.auth import HOME_PATH
from kombo_portal.state.integrations import IntegrationsState

INTEGRATIONS_PATH = HOME_PATH
# The page's title: its heading, and (with the product's name) its browser tab's.
INTEGRATIONS_TITLE_KEY = "page.title"
# How often an open page checks for changes made elsewhere (webhooks, other admins).
REFRESH_MILLISECONDS = 1500
# Each card state's icon: with its label, a state never rests on colour alone.
STATE_ICONS = {
    "not_connected": "plug",
    "connecting": "loader",
    "active": "circle-check",
    "setup_incomplete": "list-todo",
    "needs_reconnection": "plug-zap",
    "disabled": "circle-pause",
    "failed": "circle-x",
    "removed": "trash-2",
}


def t(key: str) -> rx.Var:
    """A word of the page in the page's language (see kombo_portal.i18n)."""
    return IntegrationsState.text[key]


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


def kombo_log_link(href: rx.Var, **props) -> rx.Component:
    """A link to Kombo's log of a failure (admins only), in a line of text."""
    # Underlined: links in text are told apart by more than their colour.
    return rx.link(t("page.kombo_log"), href=href, is_external=True, underline="always", **props)


def messages() -> rx.Component:
    return rx.fragment(
        rx.cond(
            IntegrationsState.notice != "",
            rx.callout(IntegrationsState.notice, icon="info", role="status"),
        ),
        rx.cond(
            IntegrationsState.error != "",
            rx.callout(
                rx.hstack(
                    rx.text(IntegrationsState.error),
                    rx.cond(
                        IntegrationsState.error_log_url != "",
                        kombo_log_link(IntegrationsState.error_log_url),
                    ),
                    spacing="2",
                    wrap="wrap",
                ),
                icon="triangle-alert",
                color_scheme="red",
                role="alert",
            ),
        ),
    )


def state_badge(card: rx.Var) -> rx.Component:
    """The card's one state: an icon and a label, so it never rests on colour alone."""
    icon = rx.match(
        card["state"],
        *[
            (state, rx.icon(name, size=14, aria_hidden="true"))
            for state, name in STATE_ICONS.items()
        ],
        rx.icon("circle-help", size=14, aria_hidden="true"),
    )
    return rx.badge(icon, card["status_text"], color_scheme=card["status_colour"], size="2")


def card_status(card: rx.Var) -> rx.Component:
    """State, the tool it is about, and a line saying what it means for the reader."""
    return rx.hstack(
        rx.cond(
            card["logo_url"] != "",
            rx.image(
                src=card["logo_url"], alt="", width="40px", height="40px", border_radius="8px"
            ),
        ),
        rx.vstack(
            rx.hstack(
                rx.cond(
                    card["tool_label"] != "",
                    rx.text(card["tool_label"], weight="bold", size="4"),
                ),
                state_badge(card),
                align="center",
                spacing="2",
                wrap="wrap",
            ),
            rx.text(card["explanation"], size="2"),
            rx.cond(
                card["details"] != "",
                rx.text(card["details"], size="2", color_scheme="gray"),
            ),
            rx.cond(
                card["log_url"] != "",
                kombo_log_link(card["log_url"], size="2"),
            ),
            spacing="1",
        ),
        align="center",
        spacing="3",
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


def disconnect_dialog(card: rx.Var) -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(
                t("action.disconnect"),
                color_scheme="red",
                variant="soft",
                disabled=IntegrationsState.connecting != "",
            ),
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title(card["disconnect_title"]),
            rx.alert_dialog.description(card["disconnect_description"]),
            rx.hstack(
                rx.alert_dialog.cancel(
                    rx.button(t("action.cancel"), variant="soft", color_scheme="gray")
                ),
                rx.alert_dialog.action(
                    rx.button(
                        t("action.disconnect"),
                        color_scheme="red",
                        # White on Radix's red is under WCAG AA contrast.
                        high_contrast=True,
                        on_click=IntegrationsState.disconnect(card["integration_id"]),
                    )
                ),
                spacing="3",
                justify="end",
                margin_top="4",
            ),
        ),
    )


def primary_button(card: rx.Var) -> rx.Component:
    """The card's one obvious next step; it shows progress while its flow opens."""
    busy = IntegrationsState.connecting != ""

    def button(on_click) -> rx.Component:
        return rx.button(
            card["primary_label"],
            on_click=on_click,
            loading=card["busy"] == "yes",
            disabled=busy,
        )

    connect = button(IntegrationsState.connect(card["category"]))
    reconnect = button(IntegrationsState.reconnect(card["integration_id"]))
    return rx.match(
        card["primary"],
        ("connect", connect),
        ("connect_again", connect),
        # Only a card with nothing connected offers it (see card_states.card_state).
        ("try_again", connect),
        ("reconnect", reconnect),
        ("finish_setup", button(IntegrationsState.finish_setup(card["integration_id"]))),
        ("enable", button(IntegrationsState.set_enabled(card["integration_id"], True))),
        rx.fragment(),
    )


def card_actions(card: rx.Var) -> rx.Component:
    busy = IntegrationsState.connecting != ""
    return rx.hstack(
        primary_button(card),
        rx.cond(
            card["can_reconnect"] == "yes",
            rx.button(
                t("action.reconnect"),
                variant="soft",
                on_click=IntegrationsState.reconnect(card["integration_id"]),
                # The only button of the flow when the card asked for nothing first.
                loading=(card["busy"] == "yes") & (card["primary"] == ""),
                disabled=busy,
            ),
        ),
        rx.cond(
            card["can_disable"] == "yes",
            rx.button(
                t("action.disable"),
                variant="soft",
                color_scheme="gray",
                on_click=IntegrationsState.set_enabled(card["integration_id"], False),
                disabled=busy,
            ),
        ),
        rx.cond(card["connected"] == "yes", disconnect_dialog(card)),
        rx.cond(
            card["can_invite"] == "yes",
            rx.button(
                t("action.invite"),
                variant="soft",
                on_click=IntegrationsState.open_invite(card["category"]),
                disabled=busy,
                # Where the focus returns when the invite dialog closes.
                data_invite_button="",
            ),
        ),
        spacing="2",
        wrap="wrap",
    )


def invitation_row(invitation: rx.Var) -> rx.Component:
    # Icon with text and the two buttons wrap as groups on a narrow screen.
    return rx.hstack(
        rx.hstack(
            rx.icon("mail", size=16, aria_hidden="true", flex_shrink="0"),
            rx.text(invitation["label"], size="2"),
            align="center",
            spacing="2",
        ),
        rx.hstack(
            rx.button(
                t("invitation.copy"),
                size="1",
                variant="soft",
                on_click=rx.set_clipboard(invitation["url"]),
            ),
            rx.button(
                t("invitation.revoke"),
                size="1",
                variant="soft",
                color_scheme="red",
                on_click=IntegrationsState.revoke(invitation["id"]),
            ),
            spacing="2",
            margin_left="auto",
        ),
        width="100%",
        align="center",
        wrap="wrap",
        data_invitation=invitation["email"],
    )


def card_invitations(card: rx.Var) -> rx.Component:
    return rx.foreach(
        IntegrationsState.invitations,
        lambda invitation: rx.cond(
            invitation["category"] == card["category"], invitation_row(invitation)
        ),
    )


def invite_dialog() -> rx.Component:
    # Opened from state, not by a Radix Trigger: on closing (Escape, Cancel, Create
    # link) the focus goes back to the card's invite button, or the card.
    card = f"[data-category='{IntegrationsState.invite_opened_from}']"
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(IntegrationsState.invite_title),
            rx.dialog.description(t("dialog.invite.description"), size="2"),
            rx.form(
                rx.vstack(
                    rx.el.label(t("dialog.invite.email"), html_for="colleague-email"),
                    rx.input(
                        id="colleague-email",
                        name="email",
                        type="email",
                        required=True,
                        width="100%",
                    ),
                    rx.cond(
                        IntegrationsState.invite_error != "",
                        rx.text(IntegrationsState.invite_error, color_scheme="red", role="alert"),
                    ),
                    rx.hstack(
                        rx.button(
                            t("action.cancel"),
                            type="button",
                            variant="soft",
                            color_scheme="gray",
                            on_click=IntegrationsState.close_invite,
                        ),
                        rx.button(t("dialog.invite.submit"), type="submit"),
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                    margin_top="3",
                ),
                on_submit=IntegrationsState.invite,
            ),
            on_close_auto_focus=return_focus_to(f"{card} [data-invite-button]", card),
        ),
        open=IntegrationsState.inviting != "",
        on_open_change=lambda _open: IntegrationsState.close_invite(),
    )


def integration_card(card: rx.Var) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(card["title"], as_="h2", size="4"),
                rx.badge(card["category"], variant="outline", color_scheme="gray"),
                align="center",
                spacing="2",
            ),
            rx.text(card["description"], color_scheme="gray", size="2"),
            card_status(card),
            # Members see the state, without actions (the server refuses theirs too).
            rx.cond(IntegrationsState.is_admin, card_actions(card)),
            rx.cond(
                IntegrationsState.is_admin & (card["can_invite"] == "yes"),
                card_invitations(card),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        data_category=card["category"],
        data_state=card["state"],
        # Not a tab stop; focused by the Connect component when the flow closes.
        tab_index=-1,
    )


def activity_entry(entry: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(entry["when"], white_space="nowrap"),
        rx.table.cell(entry["who"]),
        rx.table.cell(
            entry["what"],
            rx.cond(
                entry["log_url"] != "",
                rx.fragment(
                    " ",
                    kombo_log_link(entry["log_url"]),
                ),
            ),
        ),
    )


def activity_log() -> rx.Component:
    page = IntegrationsState.activity_page_number
    return rx.vstack(
        rx.heading(t("page.activity"), as_="h2", size="5"),
        rx.cond(
            IntegrationsState.activity.length() > 0,
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        rx.table.column_header_cell(t("page.when")),
                        rx.table.column_header_cell(t("page.who")),
                        rx.table.column_header_cell(t("page.what")),
                    )
                ),
                rx.table.body(rx.foreach(IntegrationsState.activity, activity_entry)),
                width="100%",
                size="1",
            ),
            rx.text(t("page.activity_empty"), color_scheme="gray", size="2"),
        ),
        rx.hstack(
            rx.button(
                t("page.newer"),
                variant="soft",
                size="1",
                on_click=IntegrationsState.show_activity_page(page - 1),
                disabled=page == 0,
            ),
            rx.button(
                t("page.older"),
                variant="soft",
                size="1",
                on_click=IntegrationsState.show_activity_page(page + 1),
                disabled=~IntegrationsState.activity_has_older,
            ),
            spacing="2",
        ),
        spacing="3",
        width="100%",
        overflow_x="auto",
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
            ticker(interval=REFRESH_MILLISECONDS, on_tick=IntegrationsState.refresh),
            auth_page_exit(INTEGRATIONS_TITLE_KEY),
            kombo_connect(
                link=IntegrationsState.connect_link,
                frame_title=t("page.flow_title"),
                # Back to the card the flow was for: its Connect button is gone by then.
                return_focus_to=f"[data-category='{IntegrationsState.connecting}']",
                on_success=IntegrationsState.connect_succeeded,
                on_cancel=IntegrationsState.connect_cancelled,
                on_error=IntegrationsState.connect_failed,
            ),
            spacing="5",
            padding_y="6",
            width="100%",
        ),
        size="2",
    )
