"""The operator's product on the page: the name in the header and the browser title,
the logo beside it, and the theme's accent colour."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from pydantic import BeforeValidator, Field

from kombo_portal.config.environment import PROJECT_ROOT
from kombo_portal.config.values import ConcernSettings, Stripped
from kombo_portal.theme import ACCENT_COLORS, AccentColor

DEFAULT_PRODUCT_NAME = "Kombo Portal"
DEFAULT_LOGO_URL = "/favicon.svg"  # a file in assets/, served at the site's root
ASSETS_FOLDER = PROJECT_ROOT / "assets"
MAX_PRODUCT_NAME_LENGTH = 60
DEFAULT_ACCENT_COLOR: AccentColor = "indigo"


def _logo_url(value: object) -> object:
    """An https:// URL, or a path to a file in assets/ (`/logo.svg`)."""
    if not isinstance(value, str):
        return value
    value = value.strip()
    if value.startswith("https://"):
        if not urlsplit(value).hostname:
            raise ValueError(f"PORTAL_LOGO_URL: {value!r} names no host")
        return value
    relative = value.removeprefix("/")
    if (
        not value.startswith("/")
        or value.startswith("//")
        or ".." in relative.split("/")
        or not (ASSETS_FOLDER / relative).is_file()
    ):
        raise ValueError(
            f"PORTAL_LOGO_URL: {value!r} is neither an https:// URL nor a file in the "
            "app's assets/ folder (written /logo.svg for assets/logo.svg)"
        )
    return value


def _accent_color(value: object) -> object:
    if not isinstance(value, str):
        return value
    value = value.strip().lower()
    if value not in ACCENT_COLORS:
        raise ValueError(
            f"PORTAL_ACCENT_COLOR: {value!r} is not a Radix Themes accent colour; "
            f"use one of {', '.join(ACCENT_COLORS)}"
        )
    return value


class BrandingSettings(ConcernSettings):
    product_name: Annotated[str, Stripped] = Field(
        default=DEFAULT_PRODUCT_NAME,
        alias="PORTAL_PRODUCT_NAME",
        min_length=1,
        max_length=MAX_PRODUCT_NAME_LENGTH,
    )
    logo_url: Annotated[str, BeforeValidator(_logo_url)] = Field(
        default=DEFAULT_LOGO_URL, alias="PORTAL_LOGO_URL"
    )
    accent_color: Annotated[AccentColor, BeforeValidator(_accent_color)] = Field(
        default=DEFAULT_ACCENT_COLOR, alias="PORTAL_ACCENT_COLOR"
    )
