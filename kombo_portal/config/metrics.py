"""`GET /metrics` for Prometheus: off unless a bearer token is set, so the portal's
counters are never public by accident."""

from __future__ import annotations

from pydantic import Field, field_validator

from kombo_portal.config.values import ConcernSettings, OptionalText

MIN_METRICS_TOKEN_LENGTH = 32


class MetricsSettings(ConcernSettings):
    # Kept out of the repr, like every secret.
    token: OptionalText = Field(default=None, alias="PORTAL_METRICS_TOKEN", repr=False)

    @property
    def enabled(self) -> bool:
        return self.token is not None

    @field_validator("token")
    @classmethod
    def _long_enough(cls, token: str | None) -> str | None:
        # A short token could be guessed by a scraper-shaped brute force.
        if token is not None and len(token) < MIN_METRICS_TOKEN_LENGTH:
            raise ValueError(
                f"PORTAL_METRICS_TOKEN: must be at least {MIN_METRICS_TOKEN_LENGTH} characters"
            )
        return token
