"""Helpers for browser tests of the portal: organisations, users and signing in."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from playwright.sync_api import Page, expect

from harness.app_server import RunningApp

PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class Account:
    organisation: str
    email: str


def new_organisation(app: RunningApp, *, role: str = "admin") -> Account:
    """A fresh organisation with one user, so tests sharing the app never meet."""
    suffix = uuid.uuid4().hex[:8]
    organisation = f"Test Org {suffix}"
    email = f"{role}-{suffix}@example.test"
    app.cli("org", "add", organisation)
    add_user(app, organisation, email, role=role)
    return Account(organisation, email)


def add_user(app: RunningApp, organisation: str, email: str, *, role: str) -> None:
    app.cli(
        "user", "add", email, "--org", organisation, "--role", role, "--password-stdin",
        stdin=PASSWORD + "\n",
    )  # fmt: skip


def sign_in(page: Page, app: RunningApp, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{app.url}/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", name="Integrations", level=1)).to_be_visible()


def connect_through_the_flow(
    page: Page, category: str, tool: str, password: str = "s3cret-password"
) -> None:
    """Click "Connect CATEGORY" and complete the sandbox's flow inside the iframe."""
    page.get_by_role("button", name=f"Connect {category}").click()
    flow = page.frame_locator("iframe")
    flow.get_by_role("button", name=tool).click()
    flow.get_by_label("Username").fill("hr-admin")
    flow.get_by_label("Password").fill(password)
    flow.get_by_role("button", name="Connect").click()
