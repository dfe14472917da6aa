"""Kombo's API: the key (none means sandbox mode), where the API is, how long to wait
for it, and the secrets its webhooks are signed with."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import Field, model_validator

from kombo_portal.config.sandbox import SANDBOX_WEBHOOK_SECRET
from kombo_portal.config.values import (
    ConcernSettings,
    OptionalSecret,
    OptionalText,
    url_starting_with,
)
from kombo_portal.kombo.regions import KOMBO_REGION_BASE_URLS, KomboRegion


class KomboSettings(ConcernSettings):
    api_key: OptionalSecret = Field(default=None, alias="KOMBO_API_KEY")
    region: KomboRegion = Field(default=KomboRegion.EU, alias="KOMBO_REGION")
    api_base_url_override: Annotated[
        OptionalText, url_starting_with("KOMBO_API_BASE_URL", "https://", "http://")
    ] = Field(default=None, alias="KOMBO_API_BASE_URL")
    timeout_seconds: float = Field(default=10.0, alias="KOMBO_TIMEOUT_SECONDS", gt=0, le=120)
    webhook_secret: OptionalSecret = Field(default=None, alias="KOMBO_WEBHOOK_SECRET")
    webhook_secret_previous: OptionalSecret = Field(
        default=None, alias="KOMBO_WEBHOOK_SECRET_PREVIOUS"
    )

    @model_validator(mode="after")
    def _previous_secret_only_beside_a_current_one(self) -> Self:
        if self.webhook_secret_previous is not None and self.webhook_secret is None:
            raise ValueError(
                "KOMBO_WEBHOOK_SECRET_PREVIOUS: set only while rotating, "
                "next to KOMBO_WEBHOOK_SECRET"
            )
        return self

    @property
    def api_base_url(self) -> str:
        if self.api_base_url_override:
            return self.api_base_url_override.rstrip("/")
        return KOMBO_REGION_BASE_URLS[self.region]

    @property
    def webhook_secrets(self) -> tuple[str, ...]:
        """Secrets a webhook signature may be made with, current first.

        Without KOMBO_WEBHOOK_SECRET (sandbox mode only), the sandbox's own.
        """
        if self.webhook_secret is None:
            return (SANDBOX_WEBHOOK_SECRET,)
        current = self.webhook_secret.get_secret_value()
        if self.webhook_secret_previous is None:
            return (current,)
        return (current, self.webhook_secret_previous.get_secret_value())
