"""Kombo's regions and the API host each is served from."""

from __future__ import annotations

from enum import StrEnum


class KomboRegion(StrEnum):
    EU = "eu"
    US = "us"
    CA = "ca"


KOMBO_REGION_BASE_URLS = {
    KomboRegion.EU: "https://api.kombo.dev/v1",
    KomboRegion.US: "https://api.us.kombo.dev/v1",
    KomboRegion.CA: "https://api.ca.kombo.dev/v1",
}
