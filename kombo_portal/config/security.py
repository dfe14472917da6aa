"""The portal's own sessions and the browser's protections: the key sessions are signed
with, how long they last, Secure cookies and HSTS, and who may frame the pages."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field, field_validator

from kombo_portal.config.sandbox import SANDBOX_SECRET_KEY
from kombo_portal.config.values import ConcernSettings, Stripped, comma_separated, origin

MIN_SECRET_KEY_LENGTH = 32


def _split_frame_ancestors(value: object) -> object:
    """`none`, `self`, or a comma-separated list of origins (with or without `self`)."""
    if not isinstance(value, str):
        return value
    sources = []
    for part in comma_separated(value):
        keyword = part.strip("'").lower()
        if keyword in ("none", "self"):
            sources.append(f"'{keyword}'")
        else:
            sources.append(origin(part, "PORTAL_FRAME_ANCESTORS"))
    if "'none'" in sources and len(sources) > 1:
        raise ValueError("PORTAL_FRAME_ANCESTORS: 'none' cannot be combined with other sources")
    return tuple(sources)


class SecuritySettings(ConcernSettings):
    """Two defaults follow the mode (see Settings): with a KOMBO_API_KEY, PORTAL_SECRET_KEY
    is required and cookies are Secure unless PORTAL_COOKIE_SECURE says otherwise."""

    # Kept out of the repr, like every secret.
    secret_key: Annotated[str, Stripped] = Field(
        default=SANDBOX_SECRET_KEY, alias="PORTAL_SECRET_KEY", repr=False
    )
    session_hours: float = Field(default=12, alias="PORTAL_SESSION_HOURS", gt=0, le=24 * 30)
    # Served over TLS: the session cookie is Secure and responses carry HSTS.
    cookie_secure: Annotated[bool, Stripped] = Field(default=False, alias="PORTAL_COOKIE_SECURE")
    # Who may show the portal's pages in a frame (CSP frame-ancestors).
    frame_ancestors: Annotated[tuple[str, ...], BeforeValidator(_split_frame_ancestors)] = Field(
        default=("'self'",), alias="PORTAL_FRAME_ANCESTORS", min_length=1
    )

    @field_validator("secret_key")
    @classmethod
    def _long_enough(cls, secret_key: str) -> str:
        if len(secret_key) < MIN_SECRET_KEY_LENGTH:
            raise ValueError(
                f"PORTAL_SECRET_KEY: must be at least {MIN_SECRET_KEY_LENGTH} characters"
            )
        return secret_key
