"""The activity log under the cards: who did what and when, newest first, in pages."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.vars import ObjectVar, Var

from kombo_portal.pages.layout import t
from kombo_portal.state.integrations import IntegrationsState


def kombo_log_link(href: Var | str, **props: Any) -> rx.Component:
    """A link to Kombo's log of a failure (admins only), in a line of text."""
    # Underlined: links in text are told apart by more than their colour.
    return rx.link(t("page.kombo_log"), href=href, is_external=True, underline="always", **props)


def activity_entry(entry: ObjectVar[dict[str, str]]) -> rx.Component:
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
                on_click=IntegrationsState.show_activity_page((page - 1).to(int)),
                disabled=page == 0,
            ),
            rx.button(
                t("page.older"),
                variant="soft",
                size="1",
                on_click=IntegrationsState.show_activity_page((page + 1).to(int)),
                disabled=~IntegrationsState.activity_has_older,
            ),
            spacing="2",
        ),
        spacing="3",
        width="100%",
        overflow_x="auto",
    )
