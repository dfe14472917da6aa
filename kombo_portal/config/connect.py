"""Kombo Connect, the flow customers connect a tool in: which categories the page offers,
how the flow is set up, and the origins its page is served from."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field, field_validator, model_validator

from kombo_portal.config.values import ConcernSettings, OptionalText, comma_separated, origin
from kombo_portal.kombo.models import IntegrationCategory

# The origin of the pages Kombo's connection links open (`https://connect.kombo.dev/v1?token=...`).
DEFAULT_KOMBO_CONNECT_ORIGIN = "https://connect.kombo.dev"


def _split_categories(value: object) -> object:
    if isinstance(value, str):
        return [part.upper() for part in comma_separated(value)]
    return value


def _parse_tools(value: object) -> object:
    """`HRIS:personio,ATS:greenhouse` -> {"HRIS": "personio", "ATS": "greenhouse"}."""
    if not isinstance(value, str):
        return value
    tools: dict[str, str] = {}
    for pair in comma_separated(value):
        category, separator, tool = pair.partition(":")
        if not separator or not category.strip() or not tool.strip():
            raise ValueError("KOMBO_CONNECT_TOOLS: write CATEGORY:tool pairs, e.g. HRIS:personio")
        tools[category.strip().upper()] = tool.strip().lower()
    return tools


def _split_origins(value: object) -> object:
    if isinstance(value, str):
        return tuple(origin(part, "KOMBO_CONNECT_ORIGINS") for part in comma_separated(value))
    return value


class ConnectSettings(ConcernSettings):
    categories: Annotated[tuple[IntegrationCategory, ...], BeforeValidator(_split_categories)] = (
        Field(
            default=(IntegrationCategory.HRIS, IntegrationCategory.ATS),
            alias="PORTAL_CATEGORIES",
            min_length=1,
        )
    )
    # A tool chosen in advance per category; the customer chooses for the others.
    tools: Annotated[dict[str, str], BeforeValidator(_parse_tools)] = Field(
        default_factory=dict, alias="KOMBO_CONNECT_TOOLS"
    )
    # Sent with new connections and with reconnections: Kombo advises a relink to move
    # an integration to a new scope config (permission upgrades take effect once the
    # customer has entered credentials that allow them).
    scope_config_id: OptionalText = Field(default=None, alias="KOMBO_SCOPE_CONFIG_ID")
    enable_filtering: bool = Field(default=False, alias="KOMBO_ENABLE_FILTERING")
    enable_field_mapping: bool = Field(default=False, alias="KOMBO_ENABLE_FIELD_MAPPING")
    # Kombo then calls the customer's system from fixed addresses, which the page shows.
    enable_static_ips: bool = Field(default=False, alias="KOMBO_ENABLE_STATIC_IPS")
    # The tool's environment to connect (a test tenant, say); Kombo accepts it only
    # together with a tool chosen in advance.
    remote_environment: OptionalText = Field(default=None, alias="KOMBO_REMOTE_ENVIRONMENT")
    # Where Kombo's Connect flow page is served from: the page may frame only these.
    flow_origins: Annotated[tuple[str, ...], BeforeValidator(_split_origins)] = Field(
        default=(DEFAULT_KOMBO_CONNECT_ORIGIN,), alias="KOMBO_CONNECT_ORIGINS", min_length=1
    )

    @field_validator("categories")
    @classmethod
    def _each_category_once(
        cls, categories: tuple[IntegrationCategory, ...]
    ) -> tuple[IntegrationCategory, ...]:
        if len(set(categories)) != len(categories):
            raise ValueError("PORTAL_CATEGORIES: lists a category twice")
        return categories

    @field_validator("tools")
    @classmethod
    def _known_categories(cls, tools: dict[str, str]) -> dict[str, str]:
        unknown = set(tools) - {category.value for category in IntegrationCategory}
        if unknown:
            raise ValueError(f"KOMBO_CONNECT_TOOLS: unknown category {sorted(unknown)[0]}")
        return tools

    @model_validator(mode="after")
    def _remote_environment_needs_tools(self) -> ConnectSettings:
        if self.remote_environment is None:
            return self
        without_tool = [c.value for c in self.categories if c.value not in self.tools]
        if without_tool:
            raise ValueError(
                "KOMBO_REMOTE_ENVIRONMENT: Kombo accepts it only with a tool chosen in "
                f"advance; set KOMBO_CONNECT_TOOLS for {', '.join(without_tool)} too"
            )
        return self
