"""Control endpoints that change an integration or announce news about it, as Kombo
would: its state and setup steps, changed data, a finished sync, issues raised and
resolved (each in Kombo's envelope, each change with its webhook)."""

from __future__ import annotations

from sqlmodel import Session
from starlette.requests import Request

from kombo_portal.sandbox import integrations, issues
from kombo_portal.sandbox.context import sandbox_context
from kombo_portal.sandbox.envelope import kombo_endpoint
from kombo_portal.sandbox.inputs import input_invalid, reject_unknown_fields, require_object
from kombo_portal.sandbox.payloads import integration_details

STATE_FIELDS = frozenset({"state", "setup_status", "enable_filtering", "enable_field_mapping"})


@kombo_endpoint(reads_body=True)
def change_state(request: Request, session: Session, body: object) -> dict[str, object]:
    fields = require_object(body)
    reject_unknown_fields(fields, STATE_FIELDS)
    if not fields:
        raise input_invalid(f"Send at least one of {', '.join(sorted(STATE_FIELDS))}.")
    for name in ("enable_filtering", "enable_field_mapping"):
        if fields.get(name) is not None and not isinstance(fields[name], bool):
            raise input_invalid(f"{name}: must be a boolean.")
    for name in ("state", "setup_status"):
        if fields.get(name) is not None and not isinstance(fields[name], str):
            raise input_invalid(f"{name}: must be a string.")
    config = sandbox_context(request).config
    integration = integrations.get_integration(session, request.path_params["integration_id"])
    filtering, field_mapping = fields.get("enable_filtering"), fields.get("enable_field_mapping")
    integrations.enable_setup_steps(
        integration,
        filtering=filtering if isinstance(filtering, bool) else None,
        field_mapping=field_mapping if isinstance(field_mapping, bool) else None,
    )
    session.add(integration)
    state, setup_status = fields.get("state"), fields.get("setup_status")
    integrations.change_state(
        session,
        integration,
        config.webhooks,
        state=state if isinstance(state, str) else None,
        setup_status=setup_status if isinstance(setup_status, str) else None,
    )
    return integration_details(integration, config.public_url)


@kombo_endpoint(reads_body=True)
def data_changed(request: Request, session: Session, body: object) -> dict[str, object]:
    fields = require_object(body)
    reject_unknown_fields(fields, {"models"})
    models = fields.get("models", ["hris_employees"])
    if not isinstance(models, list) or not all(isinstance(m, str) for m in models):
        raise input_invalid("models: must be a list of model names.")
    integrations.announce_data_changed(
        session,
        request.path_params["integration_id"],
        models,
        sandbox_context(request).config.webhooks,
    )
    return {}


@kombo_endpoint(reads_body=True)
def sync_finished(request: Request, session: Session, body: object) -> dict[str, object]:
    webhooks = sandbox_context(request).config.webhooks
    integration_id = request.path_params["integration_id"]
    return integrations.announce_sync_finished(session, integration_id, body, webhooks)


@kombo_endpoint(reads_body=True)
def raise_integration_issue(request: Request, session: Session, body: object) -> dict[str, object]:
    integration = integrations.get_integration(session, request.path_params["integration_id"])
    webhooks = sandbox_context(request).config.webhooks
    issue = issues.raise_issue(session, integration, body, webhooks)
    return {"issue": issues.issue_data(issue), "integration_id": integration.id}


@kombo_endpoint(reads_body=True)
def raise_environment_issue(request: Request, session: Session, body: object) -> dict[str, object]:
    webhooks = sandbox_context(request).config.webhooks
    issue = issues.raise_issue(session, None, body, webhooks)
    return {"issue": issues.issue_data(issue), "integration_id": None}


@kombo_endpoint(reads_body=True)
def resolve_issue(request: Request, session: Session, body: object) -> dict[str, object]:
    reject_unknown_fields(require_object(body), set())
    webhooks = sandbox_context(request).config.webhooks
    issue = issues.resolve_issue(session, request.path_params["issue_id"], webhooks)
    return {"issue": issues.issue_data(issue), "integration_id": issue.integration_id}
