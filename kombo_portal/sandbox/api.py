"""Kombo's API under `/v1`, as module-level endpoints (each in Kombo's envelope)."""

from __future__ import annotations

from sqlmodel import Session
from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from kombo_portal.sandbox import flow, integrations, links
from kombo_portal.sandbox.catalogue import CATEGORIES, TOOLS_BY_CATEGORY
from kombo_portal.sandbox.context import sandbox_context
from kombo_portal.sandbox.envelope import kombo_endpoint
from kombo_portal.sandbox.inputs import input_invalid
from kombo_portal.sandbox.payloads import integration_details, token_integration, tool_listing

SANDBOX_ENVIRONMENT_ID = "sandbox-local"
INTEGRATION_PATH = "/integrations/{integration_id:str}"


@kombo_endpoint(reads_body=False, writes=False)
def check_api_key(_request: Request, _session: Session, _body: object) -> dict[str, object]:
    return {"environment_id": SANDBOX_ENVIRONMENT_ID}


@kombo_endpoint(reads_body=True)
def create_link(request: Request, session: Session, body: object) -> dict[str, object]:
    config = sandbox_context(request).config
    created = links.create_connect_link(session, body)
    data: dict[str, object] = {"link": config.link_url(created.link.token)}
    if created.static_ips is not None:
        data["static_ips"] = list(created.static_ips)
    return data


@kombo_endpoint(reads_body=False)
def integration_by_token(request: Request, session: Session, _body: object) -> dict[str, object]:
    token = request.path_params["token"]
    return token_integration(flow.exchange_activation_token(session, token))


@kombo_endpoint(reads_body=False, writes=False)
def get_integration(request: Request, session: Session, _body: object) -> dict[str, object]:
    integration = integrations.get_integration(session, request.path_params["integration_id"])
    return integration_details(integration, sandbox_context(request).config.public_url)


@kombo_endpoint(reads_body=True)
def delete_integration(request: Request, session: Session, _body: object) -> dict[str, object]:
    integration_id = request.path_params["integration_id"]
    integrations.delete_integration(
        session, integration_id, sandbox_context(request).config.webhooks
    )
    return {}


@kombo_endpoint(reads_body=True)
def relink(request: Request, session: Session, body: object) -> dict[str, object]:
    integration_id = request.path_params["integration_id"]
    link = links.create_integration_link(session, integration_id, "relink", body)
    return {"link": sandbox_context(request).config.link_url(link.token)}


@kombo_endpoint(reads_body=True)
def setup_link(request: Request, session: Session, body: object) -> dict[str, object]:
    integration_id = request.path_params["integration_id"]
    link = links.create_integration_link(session, integration_id, "setup", body)
    return {"link": sandbox_context(request).config.link_url(link.token)}


@kombo_endpoint(reads_body=True)
def set_enabled(request: Request, session: Session, body: object) -> dict[str, object]:
    integration_id = request.path_params["integration_id"]
    webhooks = sandbox_context(request).config.webhooks
    integrations.set_enabled(session, integration_id, body, webhooks)
    return {}


@kombo_endpoint(reads_body=False, writes=False)
def list_tools(request: Request, _session: Session, _body: object) -> dict[str, object]:
    # Kombo's path uses lower case (`/tools/hris`); upper case is accepted too.
    category = request.path_params["category"].upper()
    if category not in CATEGORIES:
        names = ", ".join(name.lower() for name in CATEGORIES)
        raise input_invalid(f"category: must be one of {names}.")
    public_url = sandbox_context(request).config.public_url
    return {"tools": [tool_listing(tool, public_url) for tool in TOOLS_BY_CATEGORY[category]]}


API_ROUTES: list[BaseRoute] = [
    Route("/check-api-key", check_api_key),
    Route("/connect/create-link", create_link, methods=["POST"]),
    Route("/connect/integration-by-token/{token:str}", integration_by_token),
    Route(INTEGRATION_PATH, get_integration),
    Route(INTEGRATION_PATH, delete_integration, methods=["DELETE"]),
    Route(f"{INTEGRATION_PATH}/relink", relink, methods=["POST"]),
    Route(f"{INTEGRATION_PATH}/setup-link", setup_link, methods=["POST"]),
    Route(f"{INTEGRATION_PATH}/enabled", set_enabled, methods=["PUT"]),
    Route("/tools/{category:str}", list_tools),
]
