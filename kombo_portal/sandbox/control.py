"""Control endpoints under `/control`, for developers and tests: change an
integration, announce changed data, list the webhooks sent, complete a flow
without a browser, set faults on demand (each in Kombo's envelope)."""

from __future__ import annotations

import json

from sqlmodel import Session
from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from kombo_portal.sandbox import integrations
from kombo_portal.sandbox.api import INTEGRATION_PATH
from kombo_portal.sandbox.context import sandbox_context
from kombo_portal.sandbox.envelope import kombo_endpoint
from kombo_portal.sandbox.faults import FaultInvalid, parse_fault
from kombo_portal.sandbox.flow import CredentialsRejected, complete_flow
from kombo_portal.sandbox.inputs import SandboxError, input_invalid
from kombo_portal.sandbox.links import LinkUnavailable, open_link
from kombo_portal.sandbox.outbox import list_deliveries
from kombo_portal.sandbox.payloads import integration_details, iso


@kombo_endpoint(reads_body=True)
def change_state(request: Request, session: Session, body: object) -> dict[str, object]:
    fields = body if isinstance(body, dict) else {}
    if "state" not in fields and "setup_status" not in fields:
        raise input_invalid("Send a state and/or a setup_status.")
    config = sandbox_context(request).config
    integration = integrations.get_integration(session, request.path_params["integration_id"])
    integrations.change_state(
        session,
        integration,
        config.webhooks,
        state=fields.get("state"),
        setup_status=fields.get("setup_status"),
    )
    return integration_details(integration, config.public_url)


@kombo_endpoint(reads_body=True)
def data_changed(request: Request, session: Session, body: object) -> dict[str, object]:
    models = (body or {}).get("models", ["hris_employees"]) if isinstance(body, dict) else None
    if not isinstance(models, list) or not all(isinstance(m, str) for m in models):
        raise input_invalid("models: must be a list of model names.")
    integrations.announce_data_changed(
        session,
        request.path_params["integration_id"],
        models,
        sandbox_context(request).config.webhooks,
    )
    return {}


@kombo_endpoint(reads_body=False)
def webhooks(_request: Request, session: Session, _body: object) -> dict[str, object]:
    return {
        "deliveries": [
            {
                "event_id": delivery.event_id,
                "type": delivery.event_type,
                "target_url": delivery.target_url,
                "attempts": delivery.attempts,
                "last_status": delivery.last_status,
                "last_error": delivery.last_error,
                "delivered_at": iso(delivery.delivered_at),
                "body": json.loads(delivery.body),
            }
            for delivery in list_deliveries(session)
        ]
    }


@kombo_endpoint(reads_body=True)
def complete_flow_page(request: Request, session: Session, body: object) -> dict[str, object]:
    """Test-only: what submitting the flow page does, without a browser."""
    fields = body if isinstance(body, dict) else {}
    link_token = str(fields.get("link", "")).rsplit("token=", 1)[-1]
    try:
        link = open_link(session, link_token, to_complete=True)
        tool_id = fields.get("tool") or link.integration_tool or "sandbox"
        token = complete_flow(
            session,
            link,
            tool_id=str(tool_id),
            password=str(fields.get("password", "sandbox")),
            webhooks=sandbox_context(request).config.webhooks,
        )
    except LinkUnavailable as unavailable:
        raise input_invalid(f"The link is {unavailable.reason}.") from None
    except CredentialsRejected:
        raise SandboxError(
            400, "PLATFORM.INPUT_INVALID", "The credentials were rejected."
        ) from None
    return {"activation_token": token.token, "integration_id": token.integration_id}


@kombo_endpoint(reads_body=True)
def add_fault(request: Request, _session: Session, body: object) -> dict[str, object]:
    try:
        fault = parse_fault(body)
        sandbox_context(request).faults.add(fault)
    except FaultInvalid as invalid:
        raise input_invalid(str(invalid)) from None
    return {"fault": fault.describe()}


@kombo_endpoint(reads_body=False)
def list_faults(request: Request, _session: Session, _body: object) -> dict[str, object]:
    return {"faults": sandbox_context(request).faults.describe()}


@kombo_endpoint(reads_body=False)
def clear_faults(request: Request, _session: Session, _body: object) -> dict[str, object]:
    sandbox_context(request).faults.clear()
    return {"faults": []}


CONTROL_ROUTES: list[BaseRoute] = [
    Route(f"{INTEGRATION_PATH}/state", change_state, methods=["POST"]),
    Route(f"{INTEGRATION_PATH}/data-changed", data_changed, methods=["POST"]),
    Route("/webhooks", webhooks),
    Route("/flow/complete", complete_flow_page, methods=["POST"]),
    Route("/faults", add_fault, methods=["POST"]),
    Route("/faults", list_faults, methods=["GET"]),
    Route("/faults", clear_faults, methods=["DELETE"]),
]
