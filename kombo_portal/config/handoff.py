"""Sign-in handed off from the operator's own product: the shared secret its backend
signs short-lived tokens with (HS256), and the issuer it names. Off unless the secret
is set, so the route cannot be reached by accident."""

from __future__ import annotations

from typing import Self

from pydantic import Field, field_validator, model_validator

from kombo_portal.config.values import ConcernSettings, OptionalText

MIN_HANDOFF_SECRET_LENGTH = 32


class HandoffSettings(ConcernSettings):
    # Kept out of the repr, like every secret.
    secret: OptionalText = Field(default=None, alias="PORTAL_HANDOFF_SECRET", repr=False)
    # The `iss` every token must carry: users and organisations are keyed by it too.
    issuer: OptionalText = Field(default=None, alias="PORTAL_HANDOFF_ISSUER", max_length=200)

    @property
    def enabled(self) -> bool:
        return self.secret is not None

    @field_validator("secret")
    @classmethod
    def _long_enough(cls, secret: str | None) -> str | None:
        # HS256 with a short secret can be brute-forced offline from one token.
        if secret is not None and len(secret) < MIN_HANDOFF_SECRET_LENGTH:
            raise ValueError(
                f"PORTAL_HANDOFF_SECRET: must be at least {MIN_HANDOFF_SECRET_LENGTH} characters"
            )
        return secret

    @model_validator(mode="after")
    def _secret_needs_issuer(self) -> Self:
        if self.secret is not None and self.issuer is None:
            raise ValueError(
                "PORTAL_HANDOFF_ISSUER: required when PORTAL_HANDOFF_SECRET is set "
                "(the `iss` your product puts in its tokens)"
            )
        return self
