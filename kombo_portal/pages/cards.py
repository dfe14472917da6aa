"""One card per category on the Integrations page: its one state (an icon and a word),
what it means, and the admin's actions. What a card says is decided on the server
(state.cards); this draws it."""

from __future__ import annotations

import reflex as rx
from reflex.event import EventCallback
from reflex.vars import ObjectVar, Var

from kombo_portal.pages.activity_log import kombo_log_link
from kombo_portal.pages.dialogs import disconnect_dialog
from kombo_portal.pages.layout import t
from kombo_portal.records.card_states import CardAction, CardState
from kombo_portal.state.cards import CardView, IssueView
from kombo_portal.state.integrations import IntegrationsState

# Each card state's icon: with its label, a state never rests on colour alone.
STATE_ICONS = {
    CardState.NOT_CONNECTED: "plug",
    CardState.CONNECTING: "loader",
    CardState.ACTIVE: "circle-check",
    CardState.SETUP_INCOMPLETE: "list-todo",
    CardState.NEEDS_RECONNECTION: "plug-zap",
    CardState.DISABLED: "circle-pause",
    CardState.FAILED: "circle-x",
    CardState.REMOVED: "trash-2",
}

Card = ObjectVar[CardView]


def state_badge(card: Card) -> rx.Component:
    """The card's one state: an icon and a label, so it never rests on colour alone."""
    icon = rx.match(
        card.state,
        *[
            (state.value, rx.icon(name, size=14, aria_hidden="true"))
            for state, name in STATE_ICONS.items()
        ],
        rx.icon("circle-help", size=14, aria_hidden="true"),
    )
    return rx.badge(icon, card.status_text, color_scheme=card.status_colour, size="2")


def card_status(card: Card) -> rx.Component:
    """State, the tool it is about, and a line saying what it means for the reader."""
    return rx.hstack(
        rx.cond(
            card.logo_url != "",
            rx.image(src=card.logo_url, alt="", width="40px", height="40px", border_radius="8px"),
        ),
        rx.vstack(
            rx.hstack(
                rx.cond(
                    card.tool_label != "",
                    rx.text(card.tool_label, weight="bold", size="4"),
                ),
                state_badge(card),
                align="center",
                spacing="2",
                wrap="wrap",
            ),
            rx.text(card.explanation, size="2"),
            rx.cond(
                card.details != "",
                rx.text(card.details, size="2", color_scheme="gray"),
            ),
            rx.cond(
                card.log_url != "",
                kombo_log_link(card.log_url, size="2"),
            ),
            spacing="1",
        ),
        align="center",
        spacing="3",
    )


def primary_button(card: Card) -> rx.Component | Var:
    """The card's one obvious next step; it shows progress while its flow opens."""

    def button(on_click: EventCallback[()]) -> rx.Component:
        return rx.button(
            card.primary_label,
            on_click=on_click,
            loading=card.busy,
            disabled=IntegrationsState.busy,
        )

    connect = button(IntegrationsState.connect(card.category))
    actions = {
        CardAction.CONNECT: connect,
        CardAction.CONNECT_AGAIN: connect,
        # Only a card with nothing connected offers it (see card_states.card_state).
        CardAction.TRY_AGAIN: connect,
        CardAction.RECONNECT: button(IntegrationsState.reconnect(card.integration_id)),
        CardAction.FINISH_SETUP: button(IntegrationsState.finish_setup(card.integration_id)),
        CardAction.ENABLE: button(IntegrationsState.set_enabled(card.integration_id, True)),
    }
    return rx.match(
        card.primary,
        *[(action.value, shown) for action, shown in actions.items()],
        rx.fragment(),
    )


def card_actions(card: Card) -> rx.Component:
    busy = IntegrationsState.busy
    return rx.hstack(
        primary_button(card),
        rx.cond(
            card.can_reconnect,
            rx.button(
                t("action.reconnect"),
                variant="soft",
                on_click=IntegrationsState.reconnect(card.integration_id),
                # The only button of the flow when the card asked for nothing first.
                loading=card.busy & (card.primary == CardAction.NONE.value),
                disabled=busy,
            ),
        ),
        rx.cond(
            card.can_change_setup,
            rx.button(
                t("action.change_setup"),
                variant="soft",
                # The same setup link as "Finish setup": Kombo's setup steps again.
                on_click=IntegrationsState.finish_setup(card.integration_id),
                disabled=busy,
            ),
        ),
        rx.cond(
            card.can_disable,
            rx.button(
                t("action.disable"),
                variant="soft",
                color_scheme="gray",
                on_click=IntegrationsState.set_enabled(card.integration_id, False),
                disabled=busy,
            ),
        ),
        rx.cond(card.connected, disconnect_dialog(card)),
        rx.cond(
            card.can_invite,
            rx.button(
                t("action.invite"),
                variant="soft",
                on_click=IntegrationsState.open_invite(card.category),
                disabled=busy,
                # Where the focus returns when the invite dialog closes.
                data_invite_button="",
            ),
        ),
        spacing="2",
        wrap="wrap",
    )


def invitation_row(invitation: ObjectVar[dict[str, str]]) -> rx.Component:
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


def card_invitations(card: Card) -> rx.Component:
    return rx.foreach(
        IntegrationsState.invitations,
        lambda invitation: rx.cond(
            invitation["category"] == card.category, invitation_row(invitation)
        ),
    )


def static_ip_row(address: Var[str]) -> rx.Component:
    return rx.hstack(
        rx.code(address, size="2"),
        rx.button(
            t("card.static_ips.copy"),
            size="1",
            variant="soft",
            on_click=rx.set_clipboard(address),
            aria_label=rx.Var.create(f"{t('card.static_ips.copy_address')} {address}"),
        ),
        align="center",
        spacing="2",
        data_static_ip=address,
    )


def card_static_ips(card: Card) -> rx.Component:
    """Kombo's fixed addresses: a self-hosted system's firewall must let them in."""
    return rx.cond(
        card.static_ips.length() > 0,
        rx.vstack(
            rx.text(t("card.static_ips.help"), size="2"),
            rx.foreach(card.static_ips, static_ip_row),
            spacing="1",
            data_static_ips="",
        ),
    )


def issue_notice(issue: ObjectVar[IssueView]) -> rx.Component:
    """One of Kombo's open issues: a warning icon and word, Kombo's title, and what to
    do. Kombo's message is markdown, shown as plain text with its line breaks: rendered
    as markdown (whose component passes raw HTML through) it could put markup of
    someone else's making on the page."""
    return rx.callout.root(
        rx.callout.icon(rx.icon("triangle-alert", size=16, aria_hidden="true")),
        rx.vstack(
            rx.text(rx.text.strong(issue.label), " – ", issue.title, size="2"),
            rx.cond(
                issue.detail != "",
                rx.text(issue.detail, size="2", white_space="pre-wrap", overflow_wrap="anywhere"),
            ),
            rx.text(issue.noticed, size="1"),
            spacing="1",
            min_width="0",
        ),
        color_scheme="amber",
        size="1",
        width="100%",
        data_issue=issue.id,
    )


def card_issues(card: Card) -> rx.Component:
    """Kombo's open issues with the card's integration, oldest first, each a warning."""
    return rx.cond(
        card.issues.length() > 0,
        rx.vstack(rx.foreach(card.issues, issue_notice), spacing="2", width="100%"),
    )


def integration_card(card: Card) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(card.title, as_="h2", size="4"),
                rx.badge(card.category, variant="outline", color_scheme="gray"),
                align="center",
                spacing="2",
            ),
            rx.text(card.description, color_scheme="gray", size="2"),
            card_status(card),
            card_issues(card),
            card_static_ips(card),
            # Members see the state, without actions (the server refuses theirs too).
            rx.cond(IntegrationsState.is_admin, card_actions(card)),
            rx.cond(
                IntegrationsState.is_admin & card.can_invite,
                card_invitations(card),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        data_category=card.category,
        data_state=card.state,
        # Not a tab stop; focused by the Connect component when the flow closes.
        tab_index=-1,
    )
