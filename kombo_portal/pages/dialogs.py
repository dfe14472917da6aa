"""The Integrations page's dialogs: invite a colleague, and confirm a disconnect."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from kombo_portal.components import return_focus_to
from kombo_portal.pages.layout import t
from kombo_portal.state.cards import CardView
from kombo_portal.state.integrations import IntegrationsState


def disconnect_dialog(card: ObjectVar[CardView]) -> rx.Component:
    """Disconnecting cannot be undone: it asks first, naming the tool."""
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(
                t("action.disconnect"),
                color_scheme="red",
                variant="soft",
                disabled=IntegrationsState.busy,
            ),
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title(card.disconnect_title),
            rx.alert_dialog.description(card.disconnect_description),
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
                        on_click=IntegrationsState.disconnect(card.integration_id),
                    )
                ),
                spacing="3",
                justify="end",
                margin_top="4",
            ),
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
