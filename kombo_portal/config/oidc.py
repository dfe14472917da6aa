"""Sign-in through the host's OpenID provider (use_cases.oidc): the issuer the portal
discovers it from, the client registered there for the portal, the claims that carry
the organisation and the role, and what the sign-in page calls it. Off unless the
issuer is set; then the client id and secret are required too, so a half-done set-up
stops the start instead of failing a customer's sign-in."""

from __future__ import annotations

import ipaddress
from typing import Self
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from kombo_portal.config.values import ConcernSettings, OptionalText

DEFAULT_OIDC_NAME = "your company account"
DEFAULT_SCOPES = "openid email profile"
MAX_CLAIM_NAME_LENGTH = 200


def is_loopback(host: str) -> bool:
    """localhost, 127.0.0.0/8 or ::1: this machine, where plain HTTP stays on it."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class OidcSettings(ConcernSettings):
    # The provider's `iss`, exactly as its discovery document and ID tokens write it
    # (a trailing slash included): users and organisations are keyed by it, so at
    # most 200 characters, as their columns hold.
    issuer: OptionalText = Field(default=None, alias="PORTAL_OIDC_ISSUER", max_length=200)
    client_id: OptionalText = Field(default=None, alias="PORTAL_OIDC_CLIENT_ID", max_length=500)
    # Kept out of the repr, like every secret.
    client_secret: OptionalText = Field(
        default=None, alias="PORTAL_OIDC_CLIENT_SECRET", max_length=2000, repr=False
    )
    # Which ID token claims carry what the portal needs besides the standard ones; an
    # Auth0-style namespaced claim ("https://acme.example/org_id") is a name like any.
    org_id_claim: str = Field(
        default="org_id", alias="PORTAL_OIDC_ORG_ID_CLAIM", max_length=MAX_CLAIM_NAME_LENGTH
    )
    org_name_claim: str = Field(
        default="org_name", alias="PORTAL_OIDC_ORG_NAME_CLAIM", max_length=MAX_CLAIM_NAME_LENGTH
    )
    role_claim: str = Field(
        default="role", alias="PORTAL_OIDC_ROLE_CLAIM", max_length=MAX_CLAIM_NAME_LENGTH
    )
    # Some providers put custom claims in the ID token only for a scope of their own.
    scopes: str = Field(default=DEFAULT_SCOPES, alias="PORTAL_OIDC_SCOPES", max_length=500)
    # "Sign in with {name}" on the sign-in page.
    name: str = Field(default=DEFAULT_OIDC_NAME, alias="PORTAL_OIDC_NAME", max_length=60)

    @property
    def enabled(self) -> bool:
        return self.issuer is not None

    @property
    def discovery_url(self) -> str:
        return f"{(self.issuer or '').rstrip('/')}/.well-known/openid-configuration"

    @field_validator("issuer")
    @classmethod
    def _https_issuer(cls, issuer: str | None) -> str | None:
        # Over plain HTTP anyone on the way could serve their own keys and sign anyone
        # in; a provider on this machine (development, tests) is the one exception.
        if issuer is None:
            return None
        parts = urlsplit(issuer)
        if parts.query or parts.fragment or not parts.hostname:
            raise ValueError(f"PORTAL_OIDC_ISSUER: {issuer!r} is not a URL like https://id.example")
        if parts.scheme != "https" and not (parts.scheme == "http" and is_loopback(parts.hostname)):
            raise ValueError(
                "PORTAL_OIDC_ISSUER: must start with https:// (http:// only for localhost)"
            )
        return issuer

    @field_validator("org_id_claim", "org_name_claim", "role_claim", "name", mode="before")
    @classmethod
    def _stripped(cls, value: object) -> object:
        return value.strip() if isinstance(value, str) else value

    @field_validator("scopes")
    @classmethod
    def _asks_for_openid(cls, scopes: str) -> str:
        scopes = " ".join(scopes.split())
        if "openid" not in scopes.split(" "):
            raise ValueError("PORTAL_OIDC_SCOPES: must include openid")
        return scopes

    @model_validator(mode="after")
    def _all_or_nothing(self) -> Self:
        given = {
            "PORTAL_OIDC_ISSUER": self.issuer,
            "PORTAL_OIDC_CLIENT_ID": self.client_id,
            "PORTAL_OIDC_CLIENT_SECRET": self.client_secret,
        }
        set_ = [name for name, value in given.items() if value is not None]
        missing = [name for name, value in given.items() if value is None]
        if set_ and missing:
            raise ValueError(
                f"{missing[0]}: required when {' and '.join(set_)} "
                f"{'is' if len(set_) == 1 else 'are'} set (OpenID Connect sign-in needs all three)"
            )
        return self
