"""Control endpoints under `/control`, for developers and tests: change an
integration and announce news about it (sandbox.control_events), list the webhooks
sent, complete a flow without a browser, set faults on demand (each in Kombo's
envelope)."""

from __future__ import annotations

import json

from sqlmodel import Session
from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from kombo_portal.sandbox import control_events, integrations
from kombo_portal.sandbox.api import INTEGRATION_PATH
from kombo_portal.sandbox.catalogue import TEXTS
from kombo_portal.sandbox.context import sandbox_context
from kombo_portal.sandbox.envelope import kombo_endpoint
from kombo_portal.sandbox.faults import FaultInvalid, parse_fault
from kombo_portal.sandbox.flow import (
    CredentialsRejected,
    submit_credentials,
    submit_setup_step,
    tool_for_link,
)
from kombo_portal.sandbox.inputs import (
    SandboxError,
    flag,
    input_invalid,
    reject_unknown_fields,
    require_object,
)
from kombo_portal.sandbox.links import LinkUnavailable, open_link
from kombo_portal.sandbox.models import SandboxActivationToken
from kombo_portal.sandbox.outbox import list_deliveries
from kombo_portal.sandbox.payloads import integration_details, iso
from kombo_portal.sandbox.setup_steps import (
    FILTERING,
    Choice,
    StepInvalid,
    employee_filter_choice,
    field_mapping_choice,
    integration_steps,
    stored_choice,
)

FLOW_FIELDS = frozenset(
    {"link", "tool", "password", "finish_setup", "employee_filter", "field_mapping"}
)


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
    """Test-only: what submitting the flow page's forms does, without a browser: the
    credentials (unless the link is at a setup step already), then each setup step
    with the choices given (all employees, nothing mapped unless said), unless
    `finish_setup` is false, which leaves the integration's setup INCOMPLETE."""
    fields = require_object(body)
    reject_unknown_fields(fields, FLOW_FIELDS)
    finish_setup = flag(fields, "finish_setup", default=True)
    choices = {
        FILTERING: _step_choice(fields, "employee_filter"),
        "field_mapping": _step_choice(fields, "field_mapping"),
    }
    link_token = str(fields.get("link", "")).rsplit("token=", 1)[-1]
    try:
        link = open_link(session, link_token, to_complete=True)
    except LinkUnavailable as unavailable:
        raise input_invalid(f"The link is {unavailable.reason}.") from None
    activation: SandboxActivationToken | None = None
    if link.setup_step is None:
        chosen = str(fields.get("tool") or link.integration_tool or "sandbox")
        tool = tool_for_link(link, chosen)
        if tool is None:
            raise input_invalid(f"tool: {chosen[:64]!r} is not offered by this link.")
        try:
            activation = submit_credentials(
                session,
                link,
                tool,
                password=str(fields.get("password", "sandbox")),
                webhooks=sandbox_context(request).config.webhooks,
            )
        except CredentialsRejected as rejected:
            # The failure webhook is sent: committed before the error is answered.
            raise SandboxError(
                400,
                "PLATFORM.INPUT_INVALID",
                "The credentials were rejected.",
                log_url=rejected.log_url,
                keeps_changes=True,
            ) from None
    elif not finish_setup:
        raise input_invalid("finish_setup: false leaves this link as it is, at a setup step.")
    while activation is None and finish_setup and link.setup_step is not None:
        activation = submit_setup_step(
            session,
            link,
            choices[link.setup_step],
            webhooks=sandbox_context(request).config.webhooks,
        )
    return {
        "activation_token": activation.token if activation else None,
        "integration_id": link.integration_id,
        "setup_step": link.setup_step,
    }


def _step_choice(fields: dict[str, object], name: str) -> Choice:
    given = fields.get(name, {})
    if not isinstance(given, dict):
        raise input_invalid(f"{name}: must be an object.")
    try:
        if name == "employee_filter":
            reject_unknown_fields(given, {"scope", "value"})
            return employee_filter_choice(given.get("scope", "all"), given.get("value"))
        return field_mapping_choice(given)
    except StepInvalid as invalid:
        message = TEXTS["en"][invalid.text_key]
        raise input_invalid(f"{name}.{invalid.field}: {message}") from None


@kombo_endpoint(reads_body=False)
def show_integration(request: Request, session: Session, _body: object) -> dict[str, object]:
    """Kombo's details of the integration, and what the sandbox keeps beside them."""
    integration = integrations.get_integration(session, request.path_params["integration_id"])
    steps = integration_steps(integration)
    return {
        **integration_details(integration, sandbox_context(request).config.public_url),
        "sandbox": {
            "setup_steps": list(steps),
            "employee_filter": stored_choice(integration, FILTERING) or None,
            "field_mapping": stored_choice(integration, "field_mapping") or None,
            "remote_environment": integration.remote_environment,
        },
    }


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
    Route(INTEGRATION_PATH, show_integration),
    Route(f"{INTEGRATION_PATH}/state", control_events.change_state, methods=["POST"]),
    Route(f"{INTEGRATION_PATH}/data-changed", control_events.data_changed, methods=["POST"]),
    Route(f"{INTEGRATION_PATH}/sync-finished", control_events.sync_finished, methods=["POST"]),
    Route(f"{INTEGRATION_PATH}/issues", control_events.raise_integration_issue, methods=["POST"]),
    Route("/issues", control_events.raise_environment_issue, methods=["POST"]),
    Route("/issues/{issue_id:str}/resolve", control_events.resolve_issue, methods=["POST"]),
    Route("/webhooks", webhooks),
    Route("/flow/complete", complete_flow_page, methods=["POST"]),
    Route("/faults", add_fault, methods=["POST"]),
    Route("/faults", list_faults, methods=["GET"]),
    Route("/faults", clear_faults, methods=["DELETE"]),
]
