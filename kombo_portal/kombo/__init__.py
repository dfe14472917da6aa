"""Kombo's API: a typed async client, its models and its one error type."""

from kombo_portal.kombo.client import KomboClient, RetryPolicy
from kombo_portal.kombo.errors import FailureKind, KomboError
from kombo_portal.kombo.models import (
    CreatedLink,
    CreateLinkRequest,
    Integration,
    IntegrationCategory,
    IntegrationState,
    Language,
    LinkType,
    SetupStatus,
    TokenIntegration,
    Tool,
)

__all__ = [
    "CreateLinkRequest",
    "CreatedLink",
    "FailureKind",
    "Integration",
    "IntegrationCategory",
    "IntegrationState",
    "KomboClient",
    "KomboError",
    "Language",
    "LinkType",
    "RetryPolicy",
    "SetupStatus",
    "TokenIntegration",
    "Tool",
]
