"""Typed Kombo requests and results.

Results tolerate what a newer Kombo may send: unknown fields are kept, and an
unknown enum value (a new tool category, state or status) stays a plain string
instead of failing validation.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


class IntegrationCategory(StrEnum):
    HRIS = "HRIS"
    ATS = "ATS"
    ASSESSMENT = "ASSESSMENT"
    LMS = "LMS"


class IntegrationState(StrEnum):
    ACTIVE = "ACTIVE"
    INVALID = "INVALID"
    INACTIVE = "INACTIVE"


class SetupStatus(StrEnum):
    INCOMPLETE = "INCOMPLETE"
    FINAL_SYNC_PENDING = "FINAL_SYNC_PENDING"
    COMPLETED = "COMPLETED"


class LinkType(StrEnum):
    EMBEDDED = "EMBEDDED"
    MAGIC_LINK = "MAGIC_LINK"


class Language(StrEnum):
    EN = "en"
    DE = "de"
    FR = "fr"
    IT = "it"
    ES = "es"


# Known values become the enum; anything else is kept as the string Kombo sent.
OpenCategory = Annotated[IntegrationCategory | str, Field(union_mode="left_to_right")]
OpenState = Annotated[IntegrationState | str, Field(union_mode="left_to_right")]
OpenSetupStatus = Annotated[SetupStatus | str, Field(union_mode="left_to_right")]


class KomboResult(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class CreateLinkRequest(BaseModel):
    """The body of `POST /connect/create-link`, every field with Kombo's default."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    end_user_email: str = Field(min_length=3)
    end_user_organization_name: str = Field(min_length=1)
    end_user_origin_id: str | None = None
    remote_environment: str | None = None
    integration_category: IntegrationCategory = IntegrationCategory.HRIS
    integration_tool: str | None = None
    language: Language | None = Language.EN
    scope_config_id: str | None = None
    enable_filtering: bool = False
    enable_field_mapping: bool = False
    enable_static_ips: bool = False
    link_type: LinkType = LinkType.EMBEDDED


# Kombo's answer lists a handful of addresses; the bounds keep a broken answer off the page.
# An address or a network (IPv6 with a prefix: at most 49 characters): 32 of them fit
# the 2,000 characters the database keeps.
MAX_STATIC_IPS = 32
StaticIp = Annotated[str, Field(min_length=1, max_length=49, pattern=r"^[0-9A-Fa-f.:/]+$")]


class CreatedLink(KomboResult):
    """What `POST /connect/create-link` answers: the link and, when `enable_static_ips`
    was set, the addresses Kombo calls the customer's system from (to allowlist)."""

    link: str = Field(min_length=1)
    static_ips: tuple[StaticIp, ...] = Field(default=(), max_length=MAX_STATIC_IPS)

    @field_validator("static_ips", mode="before")
    @classmethod
    def _null_means_none(cls, value: object) -> object:
        return () if value is None else value


class TokenIntegration(KomboResult):
    """What an activation token stands for (`GET /connect/integration-by-token/{token}`)."""

    id: str
    tool: str
    end_user_origin_id: str | None = None
    end_user_organization_name: str | None = None
    end_user_email: str | None = None
    setup_status: OpenSetupStatus | None = None


class IntegrationTool(KomboResult):
    id: str
    label: str
    internal_label: str | None = None
    logo_url: str | None = None
    icon_url: str | None = None


class EndUser(KomboResult):
    organization_name: str | None = None
    creator_email: str | None = None
    origin_id: str | None = None


class ScopeConfig(KomboResult):
    id: str
    name: str | None = None


class Integration(KomboResult):
    """An integration's details (`GET /integrations/{id}`)."""

    id: str
    tool: IntegrationTool
    category: OpenCategory
    status: OpenState
    setup_status: OpenSetupStatus
    end_user: EndUser = Field(default_factory=EndUser)
    scope_config: ScopeConfig | None = None
    data_expired_at: datetime | None = None
    created_at: datetime | None = None
    beta: bool = False
    read_models: list[dict[str, Any]] = Field(default_factory=list)
    write_actions: list[dict[str, Any]] = Field(default_factory=list)


class ToolAssets(KomboResult):
    logo_url: str | None = None
    icon_url: str | None = None
    icon_black_url: str | None = None


class Tool(KomboResult):
    """A tool a category offers (`GET /tools/{category}`)."""

    id: str
    label: str
    internal_label: str | None = None
    assets: ToolAssets = Field(default_factory=ToolAssets)
    connection_guide_url: str | None = None
