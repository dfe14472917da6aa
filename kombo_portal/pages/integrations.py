"""Settings → Integrations: where a customer admin connects their HRIS and ATS."""

from __future__ import annotations

import reflex as rx

from kombo_portal.config import get_settings

INTEGRATIONS_PATH = "/settings/integrations"

CATEGORY_DESCRIPTIONS = {
    "HRIS": "HR system: employees, teams and time off.",
    "ATS": "Recruiting system: jobs, candidates and applications.",
    "ASSESSMENT": "Assessment platform: tests and their results.",
    "LMS": "Learning platform: courses and their progress.",
}


def category_card(category: str) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(category, as_="h2", size="4"),
            rx.text(CATEGORY_DESCRIPTIONS[category], color_scheme="gray"),
            spacing="1",
        ),
        width="100%",
    )


def sandbox_notice() -> rx.Component:
    return rx.callout(
        "Sandbox mode: connections go to a local Kombo sandbox, not to Kombo.",
        icon="flask-conical",
        color_scheme="amber",
    )


def integrations_page() -> rx.Component:
    settings = get_settings()
    return rx.container(
        rx.vstack(
            rx.heading("Integrations", as_="h1", size="7"),
            rx.text("Connect the systems your company runs on, so their data flows in."),
            *([sandbox_notice()] if settings.sandbox_mode else []),
            *[category_card(category.value) for category in settings.portal_categories],
            spacing="4",
            padding_y="6",
        ),
        size="2",
    )
