"""Settings → Integrations: where a customer admin connects their HRIS and ATS."""

from __future__ import annotations

import reflex as rx

from kombo_portal.components import kombo_connect, ticker
from kombo_portal.config import get_settings
from kombo_portal.pages.sign_in import auth_page_exit
from kombo_portal.state.auth import HOME_PATH
from kombo_portal.state.integrations import IntegrationsState

INTEGRATIONS_PATH = HOME_PATH
# How often an open page checks for changes made elsewhere (webhooks, other admins).
REFRESH_MILLISECONDS = 1500


def sandbox_notice() -> rx.Component:
    return rx.callout(
        "Sandbox mode: connections go to a local Kombo sandbox, not to Kombo.",
        icon="flask-conical",
        color_scheme="amber",
    )


def page_header() -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.heading("Integrations", as_="h1", size="7"),
            rx.text(
                "Connect the systems your company runs on, so their data flows in.",
                color_scheme="gray",
            ),
            spacing="1",
        ),
        rx.spacer(),
        rx.vstack(
            rx.text(IntegrationsState.user_name, weight="medium"),
            rx.text(IntegrationsState.organisation_name, size="2", color_scheme="gray"),
            rx.button("Sign out", variant="soft", size="1", on_click=IntegrationsState.sign_out),
            align="end",
            spacing="1",
        ),
        width="100%",
        align="start",
    )


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
                        rx.link(
                            "Kombo's log", href=IntegrationsState.error_log_url, is_external=True
                        ),
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


def connected_details(card: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.cond(
            card["logo_url"] != "",
            rx.image(
                src=card["logo_url"], alt="", width="40px", height="40px", border_radius="8px"
            ),
        ),
        rx.vstack(
            rx.hstack(
                rx.text(card["tool_label"], weight="bold", size="4"),
                rx.badge(card["status_text"], color_scheme=card["status_colour"], size="2"),
                align="center",
                spacing="2",
            ),
            rx.text(
                "Connected by ",
                card["connected_by"],
                " on ",
                card["connected_on"],
                size="2",
                color_scheme="gray",
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
            rx.callout.text(
                "Needs reconnection: ",
                IntegrationsState.broken,
                ". The credentials stopped working; reconnect to sync again.",
            ),
            color_scheme="red",
            role="alert",
        ),
    )


def disconnect_dialog(card: rx.Var) -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(
                "Disconnect",
                color_scheme="red",
                variant="soft",
                disabled=IntegrationsState.connecting != "",
            ),
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Disconnect ", card["tool_label"], "?"),
            rx.alert_dialog.description(
                "Kombo stops syncing ",
                card["tool_label"],
                " and deletes this connection. You can connect again later.",
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(
                        "Disconnect",
                        color_scheme="red",
                        on_click=IntegrationsState.disconnect(card["integration_id"]),
                    )
                ),
                spacing="3",
                justify="end",
                margin_top="4",
            ),
        ),
    )


def card_actions(card: rx.Var) -> rx.Component:
    busy = IntegrationsState.connecting != ""
    return rx.hstack(
        rx.button(
            "Reconnect",
            # Prominent when the credentials stopped working.
            variant=rx.cond(card["needs_reconnection"] == "yes", "solid", "soft"),
            on_click=IntegrationsState.reconnect(card["integration_id"]),
            loading=IntegrationsState.connecting == card["category"],
            disabled=busy,
        ),
        rx.cond(
            card["setup_incomplete"] == "yes",
            rx.button(
                "Finish setup",
                on_click=IntegrationsState.finish_setup(card["integration_id"]),
                disabled=busy,
            ),
        ),
        rx.cond(
            card["disabled"] == "yes",
            rx.button(
                "Enable",
                variant="soft",
                on_click=IntegrationsState.set_enabled(card["integration_id"], True),
                disabled=busy,
            ),
            rx.button(
                "Disable",
                variant="soft",
                color_scheme="gray",
                on_click=IntegrationsState.set_enabled(card["integration_id"], False),
                disabled=busy,
            ),
        ),
        disconnect_dialog(card),
        spacing="2",
        wrap="wrap",
    )


def connect_button(card: rx.Var) -> rx.Component:
    return rx.button(
        "Connect ",
        card["category"],
        on_click=IntegrationsState.connect(card["category"]),
        loading=IntegrationsState.connecting == card["category"],
        disabled=IntegrationsState.connecting != "",
    )


def invitation_row(invitation: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.icon("mail", size=16),
        rx.text(
            "Invitation for ",
            invitation["email"],
            " (", invitation["created_on"], ")",
            size="2",
        ),
        rx.spacer(),
        rx.button(
            "Copy link",
            size="1",
            variant="soft",
            on_click=rx.set_clipboard(invitation["url"]),
        ),
        rx.button(
            "Revoke",
            size="1",
            variant="soft",
            color_scheme="red",
            on_click=IntegrationsState.revoke(invitation["id"]),
        ),
        width="100%",
        align="center",
        wrap="wrap",
        data_invitation=invitation["email"],
    )  # fmt: skip


def card_invitations(card: rx.Var) -> rx.Component:
    return rx.foreach(
        IntegrationsState.invitations,
        lambda invitation: rx.cond(
            invitation["category"] == card["category"], invitation_row(invitation)
        ),
    )


def invite_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Invite a colleague to connect ", IntegrationsState.inviting),
            rx.dialog.description(
                "For a colleague who holds the credentials. They get a link to connect "
                "without signing in here; it works for a year unless you revoke it.",
                size="2",
            ),
            rx.form(
                rx.vstack(
                    rx.el.label("Colleague's email", html_for="colleague-email"),
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
                            "Cancel",
                            type="button",
                            variant="soft",
                            color_scheme="gray",
                            on_click=IntegrationsState.close_invite,
                        ),
                        rx.button("Create link", type="submit"),
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                    margin_top="3",
                ),
                on_submit=IntegrationsState.invite,
            ),
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
            rx.cond(
                card["failed_tool"] != "",
                rx.hstack(
                    rx.icon("circle-x", size=16, color=rx.color("red", 11)),
                    rx.text(
                        "The last attempt to connect ",
                        card["failed_tool"],
                        " failed.",
                        size="2",
                        color_scheme="red",
                    ),
                    align="center",
                    spacing="1",
                ),
            ),
            rx.cond(
                card["connected"] == "yes",
                rx.vstack(
                    connected_details(card),
                    rx.cond(IntegrationsState.is_admin, card_actions(card)),
                    spacing="3",
                ),
                rx.vstack(
                    rx.hstack(
                        rx.text("Not connected", size="2"),
                        rx.spacer(),
                        rx.cond(
                            IntegrationsState.is_admin,
                            rx.hstack(
                                rx.button(
                                    "Invite a colleague",
                                    variant="soft",
                                    on_click=IntegrationsState.open_invite(card["category"]),
                                    disabled=IntegrationsState.connecting != "",
                                ),
                                connect_button(card),
                                spacing="2",
                                wrap="wrap",
                            ),
                        ),
                        width="100%",
                        align="center",
                        wrap="wrap",
                    ),
                    rx.cond(IntegrationsState.is_admin, card_invitations(card)),
                    width="100%",
                    spacing="2",
                ),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        data_category=card["category"],
    )


def activity_entry(entry: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(entry["when"], white_space="nowrap"),
        rx.table.cell(entry["who"]),
        rx.table.cell(
            entry["what"],
            rx.cond(
                entry["log_url"] != "",
                rx.fragment(" ", rx.link("Kombo's log", href=entry["log_url"], is_external=True)),
            ),
        ),
    )


def activity_log() -> rx.Component:
    page = IntegrationsState.activity_page_number
    return rx.vstack(
        rx.heading("Activity", as_="h2", size="5"),
        rx.cond(
            IntegrationsState.activity.length() > 0,
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        rx.table.column_header_cell("When"),
                        rx.table.column_header_cell("Who"),
                        rx.table.column_header_cell("What"),
                    )
                ),
                rx.table.body(rx.foreach(IntegrationsState.activity, activity_entry)),
                width="100%",
                size="1",
            ),
            rx.text("Nothing has happened yet.", color_scheme="gray", size="2"),
        ),
        rx.hstack(
            rx.button(
                "Newer",
                variant="soft",
                size="1",
                on_click=IntegrationsState.show_activity_page(page - 1),
                disabled=page == 0,
            ),
            rx.button(
                "Older",
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
            *([sandbox_notice()] if get_settings().sandbox_mode else []),
            messages(),
            reconnection_banner(),
            rx.foreach(IntegrationsState.cards, integration_card),
            activity_log(),
            invite_dialog(),
            ticker(interval=REFRESH_MILLISECONDS, on_tick=IntegrationsState.refresh),
            auth_page_exit(),
            kombo_connect(
                link=IntegrationsState.connect_link,
                on_success=IntegrationsState.connect_succeeded,
                on_cancel=IntegrationsState.connect_cancelled,
                on_error=IntegrationsState.connect_failed,
            ),
            spacing="4",
            padding_y="6",
            width="100%",
        ),
        size="2",
    )
