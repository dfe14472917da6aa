"""The local Kombo sandbox the portal serves when no KOMBO_API_KEY is set, and its
development values: public on purpose, so a fresh clone runs with no set-up."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from kombo_portal.config.values import ConcernSettings, OptionalText, url_starting_with

# Real mode refuses to start without real values in their place.
SANDBOX_WEBHOOK_SECRET = "whsec_sandbox_development_only"  # noqa: S105 (public on purpose)
SANDBOX_SECRET_KEY = "sandbox-development-only-secret-key-change-me"  # noqa: S105
# Sandbox mode's hand-off, so a newcomer can sign in the way a host product would
# (the sign-in page's demo button, and `python -m kombo_portal handoff`).
SANDBOX_HANDOFF_SECRET = "sandbox-handoff-development-only-secret"  # noqa: S105
SANDBOX_HANDOFF_ISSUER = "sandbox-host"
# The key the local sandbox accepts on its API (it is not a Kombo key).
DEFAULT_SANDBOX_API_KEY = "ks_dev_local_sandbox"


class SandboxSettings(ConcernSettings):
    api_key: str = Field(
        default=DEFAULT_SANDBOX_API_KEY, alias="KOMBO_SANDBOX_API_KEY", min_length=8, repr=False
    )
    # None: the portal's own webhook route.
    webhook_url: Annotated[
        OptionalText, url_starting_with("KOMBO_SANDBOX_WEBHOOK_URL", "https://", "http://")
    ] = Field(default=None, alias="KOMBO_SANDBOX_WEBHOOK_URL")
    duplicate_webhooks: bool = Field(default=False, alias="KOMBO_SANDBOX_DUPLICATE_WEBHOOKS")
    # `serve` refuses sandbox mode (public passwords and secrets) unless this says a
    # public demo is meant.
    demo: bool = Field(default=False, alias="PORTAL_DEMO")
