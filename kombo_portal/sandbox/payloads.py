"""The shapes Kombo answers and announces with, made from the sandbox's rows."""

from __future__ import annotations

from datetime import datetime

from kombo_portal.db.models import as_utc
from kombo_portal.sandbox.catalogue import SandboxTool, any_tool
from kombo_portal.sandbox.models import SandboxIntegration, SandboxLink


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return as_utc(moment).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def integration_details(integration: SandboxIntegration, public_url: str) -> dict[str, object]:
    """`GET /integrations/{id}`'s data."""
    tool = any_tool(integration.tool)
    return {
        "id": integration.id,
        "tool": {
            "id": integration.tool,
            "label": tool.label if tool else integration.tool,
            "internal_label": None,
            "logo_url": tool_logo_url(public_url, integration.tool),
            "icon_url": tool_logo_url(public_url, integration.tool),
        },
        "category": integration.category,
        "status": integration.state,
        "setup_status": integration.setup_status,
        "end_user": end_user(integration),
        "scope_config": scope_config(integration.scope_config_id),
        "data_expired_at": None,
        "created_at": iso(integration.created_at),
        "beta": False,
        "read_models": [],
        "write_actions": [],
    }


# Kombo always names a scope config; an integration made without one has the default.
DEFAULT_SCOPE_CONFIG = {"id": "sandbox-default-scope", "name": "Sandbox default"}


def scope_config(scope_config_id: str | None) -> dict[str, object]:
    """The sandbox keeps no scope configs: any id given is one, named after it."""
    if scope_config_id is None:
        return dict(DEFAULT_SCOPE_CONFIG)
    return {"id": scope_config_id, "name": f"Scope config {scope_config_id}"}


def token_integration(integration: SandboxIntegration) -> dict[str, object]:
    """`GET /connect/integration-by-token/{token}`'s flat data."""
    return {
        "tool": integration.tool,
        "id": integration.id,
        "end_user_origin_id": integration.end_user_origin_id,
        "end_user_organization_name": integration.end_user_organization_name,
        "end_user_email": integration.end_user_email,
        "setup_status": integration.setup_status,
    }


def tool_listing(tool: SandboxTool, public_url: str) -> dict[str, object]:
    """One tool of `GET /tools/{category}`."""
    logo = tool_logo_url(public_url, tool.id)
    return {
        "id": tool.id,
        "label": tool.label,
        "internal_label": None,
        "assets": {"logo_url": logo, "icon_url": logo, "icon_black_url": logo},
        "paid_api_details_markdown": None,
        "fast_track_details_markdown": None,
        "partner_only_details_markdown": None,
        "connection_guide_url": None,
        "coverage": {"read_models": [], "write_actions": [], "features": []},
    }


def tool_logo_url(public_url: str, tool_id: str) -> str:
    return f"{public_url}/assets/tools/{tool_id}.svg"


def end_user(integration: SandboxIntegration) -> dict[str, object]:
    return {
        "organization_name": integration.end_user_organization_name,
        "creator_email": integration.end_user_email,
        "origin_id": integration.end_user_origin_id,
    }


def link_end_user(link: SandboxLink) -> dict[str, object]:
    return {
        "organization_name": link.end_user_organization_name,
        "creator_email": link.end_user_email or None,
        "origin_id": link.end_user_origin_id,
    }
