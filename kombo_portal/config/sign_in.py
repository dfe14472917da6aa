"""How people sign in besides a hand-off or OpenID Connect: the portal's own password
form (on unless switched off), and the host product's pages to send them to instead."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from kombo_portal.config.values import ConcernSettings, OptionalText, url_starting_with


class SignInSettings(ConcernSettings):
    # Off only where people come from the host product (hand-off or OIDC): see Settings.
    password: bool = Field(default=True, alias="PORTAL_PASSWORD_SIGN_IN")
    # Where the sign-in page sends people when it has no password form of its own.
    host_sign_in_url: Annotated[
        OptionalText, url_starting_with("PORTAL_HOST_SIGN_IN_URL", "https://", "http://")
    ] = Field(default=None, alias="PORTAL_HOST_SIGN_IN_URL", max_length=2000)
    # Where signing out ends up: back in the host product rather than on the sign-in page.
    host_sign_out_url: Annotated[
        OptionalText, url_starting_with("PORTAL_HOST_SIGN_OUT_URL", "https://", "http://")
    ] = Field(default=None, alias="PORTAL_HOST_SIGN_OUT_URL", max_length=2000)
