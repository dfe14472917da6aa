"""The sandbox as a Starlette app: Kombo's API under `/v1`, the Connect flow page
under `/connect`, and control endpoints for developers and tests under `/control`.

Mounted at `/sandbox/kombo` inside the portal in sandbox mode, or served on its
own by `python -m kombo_portal.sandbox`.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route

from kombo_portal.db.threads import in_database_thread
from kombo_portal.db.transaction import transaction as database_transaction
from kombo_portal.i18n import preferred_language
from kombo_portal.sandbox import service
from kombo_portal.sandbox.catalogue import (
    CATEGORIES,
    TOOLS_BY_CATEGORY,
    SandboxTool,
    any_tool,
    find_tool,
)
from kombo_portal.sandbox.faults import FaultInjector, FaultInvalid, Faults, parse_fault
from kombo_portal.sandbox.flow_page import (
    FLOW_SCRIPT,
    STYLE,
    choose_tool_page,
    connected_page,
    credentials_page,
    setup_page,
    texts_for,
    tool_logo_svg,
    unavailable_page,
)
from kombo_portal.sandbox.service import (
    CredentialsRejected,
    LinkUnavailable,
    SandboxError,
    WebhookSettings,
)

MAX_BODY_BYTES = 64 * 1024
SANDBOX_ENVIRONMENT_ID = "sandbox-local"


@dataclass(frozen=True)
class SandboxConfig:
    api_key: str
    # Where browsers reach this app, e.g. http://localhost:8000/sandbox/kombo.
    public_url: str
    webhooks: WebhookSettings

    def link_url(self, token: str) -> str:
        return f"{self.public_url}/connect?token={token}"


def create_sandbox_app(
    config: SandboxConfig,
    get_engine: Callable[[], Engine],
    on_webhook_enqueued: Callable[[], None] = lambda: None,
) -> Starlette:
    """The sandbox app. `on_webhook_enqueued` wakes the deliverer after a change."""
    faults = Faults()  # see sandbox.faults

    @contextmanager
    def transaction() -> Iterator[Session]:
        # The portal's: on SQLite a process's writers take turns, as there.
        with database_transaction(get_engine()) as session:
            yield session
        on_webhook_enqueued()

    def authorised(request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        scheme, _, key = header.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            key.strip().encode(), config.api_key.encode()
        )

    def api(handler: Callable[[Request, Session, Any], dict[str, Any]], *, reads_body: bool):
        """Kombo's envelope around a handler that runs in one transaction."""

        async def endpoint(request: Request) -> Response:
            if not authorised(request):
                return _error(
                    401,
                    "PLATFORM.AUTHENTICATION_INVALID",
                    "The API key is missing or not valid. "
                    "Send it as 'Authorization: Bearer <key>'.",
                )
            body: Any = None
            if reads_body:
                raw = await request.body()
                if len(raw) > MAX_BODY_BYTES:
                    return _error(413, "PLATFORM.INPUT_INVALID", "The request body is too large.")
                try:
                    body = json.loads(raw) if raw.strip() else {}
                except (json.JSONDecodeError, UnicodeDecodeError):
                    return _error(400, "PLATFORM.INPUT_INVALID", "The request body is not JSON.")

            def run() -> dict[str, Any]:
                with transaction() as session:
                    return handler(request, session, body)

            try:
                data = await in_database_thread(run)
            except SandboxError as error:
                return _error(error.status, error.code, error.message)
            return JSONResponse({"status": "success", "data": data})

        return endpoint

    # -- Kombo's API -----------------------------------------------------------

    def check_api_key(_request: Request, _session: Session, _body: Any) -> dict[str, Any]:
        return {"environment_id": SANDBOX_ENVIRONMENT_ID}

    def create_link(_request: Request, session: Session, body: Any) -> dict[str, Any]:
        return {"link": config.link_url(service.create_connect_link(session, body).token)}

    def integration_by_token(request: Request, session: Session, _body: Any) -> dict[str, Any]:
        token = request.path_params["token"]
        return service.token_integration(service.exchange_activation_token(session, token))

    def get_integration(request: Request, session: Session, _body: Any) -> dict[str, Any]:
        integration = service.get_integration(session, request.path_params["integration_id"])
        return service.integration_details(integration, config.public_url)

    def delete_integration(request: Request, session: Session, _body: Any) -> dict[str, Any]:
        integration_id = request.path_params["integration_id"]
        service.delete_integration(session, integration_id, config.webhooks)
        return {}

    def relink(request: Request, session: Session, body: Any) -> dict[str, Any]:
        integration_id = request.path_params["integration_id"]
        link = service.create_integration_link(session, integration_id, "relink", body)
        return {"link": config.link_url(link.token)}

    def setup_link(request: Request, session: Session, body: Any) -> dict[str, Any]:
        integration_id = request.path_params["integration_id"]
        link = service.create_integration_link(session, integration_id, "setup", body)
        return {"link": config.link_url(link.token)}

    def set_enabled(request: Request, session: Session, body: Any) -> dict[str, Any]:
        integration_id = request.path_params["integration_id"]
        service.set_enabled(session, integration_id, body, config.webhooks)
        return {}

    def list_tools(request: Request, _session: Session, _body: Any) -> dict[str, Any]:
        # Kombo's path uses lower case (`/tools/hris`); upper case is accepted too.
        category = request.path_params["category"].upper()
        if category not in CATEGORIES:
            names = ", ".join(name.lower() for name in CATEGORIES)
            raise service.input_invalid(f"category: must be one of {names}.")
        return {"tools": [_tool_listing(tool, config) for tool in TOOLS_BY_CATEGORY[category]]}

    # -- control endpoints -------------------------------------------------------

    def control_state(request: Request, session: Session, body: Any) -> dict[str, Any]:
        fields = body if isinstance(body, dict) else {}
        if "state" not in fields and "setup_status" not in fields:
            raise service.input_invalid("Send a state and/or a setup_status.")
        integration = service.get_integration(session, request.path_params["integration_id"])
        service.change_state(
            session,
            integration,
            config.webhooks,
            state=fields.get("state"),
            setup_status=fields.get("setup_status"),
        )
        return service.integration_details(integration, config.public_url)

    def control_data_changed(request: Request, session: Session, body: Any) -> dict[str, Any]:
        models = (body or {}).get("models", ["hris_employees"]) if isinstance(body, dict) else None
        if not isinstance(models, list) or not all(isinstance(m, str) for m in models):
            raise service.input_invalid("models: must be a list of model names.")
        service.announce_data_changed(
            session, request.path_params["integration_id"], models, config.webhooks
        )
        return {}

    def control_webhooks(_request: Request, session: Session, _body: Any) -> dict[str, Any]:
        return {
            "deliveries": [
                {
                    "event_id": delivery.event_id,
                    "type": delivery.event_type,
                    "target_url": delivery.target_url,
                    "attempts": delivery.attempts,
                    "last_status": delivery.last_status,
                    "last_error": delivery.last_error,
                    "delivered_at": service.iso(delivery.delivered_at),
                    "body": json.loads(delivery.body),
                }
                for delivery in service.list_deliveries(session)
            ]
        }

    def control_complete_flow(_request: Request, session: Session, body: Any) -> dict[str, Any]:
        """Test-only: what submitting the flow page does, without a browser."""
        fields = body if isinstance(body, dict) else {}
        link_token = str(fields.get("link", "")).rsplit("token=", 1)[-1]
        try:
            link = service.open_link(session, link_token, to_complete=True)
            tool_id = fields.get("tool") or link.integration_tool or "sandbox"
            token = service.complete_flow(
                session,
                link,
                tool_id=str(tool_id),
                password=str(fields.get("password", "sandbox")),
                webhooks=config.webhooks,
            )
        except LinkUnavailable as unavailable:
            raise service.input_invalid(f"The link is {unavailable.reason}.") from None
        except CredentialsRejected:
            raise SandboxError(
                400, "PLATFORM.INPUT_INVALID", "The credentials were rejected."
            ) from None
        return {"activation_token": token.token, "integration_id": token.integration_id}

    def control_add_fault(_request: Request, _session: Session, body: Any) -> dict[str, Any]:
        try:
            fault = parse_fault(body)
            faults.add(fault)
        except FaultInvalid as invalid:
            raise service.input_invalid(str(invalid)) from None
        return {"fault": fault.describe()}

    def control_list_faults(_request: Request, _session: Session, _body: Any) -> dict[str, Any]:
        return {"faults": faults.describe()}

    def control_clear_faults(_request: Request, _session: Session, _body: Any) -> dict[str, Any]:
        faults.clear()
        return {"faults": []}

    # -- the Connect flow page ---------------------------------------------------

    async def flow_page(request: Request) -> Response:
        if request.method == "GET":
            params = dict(request.query_params)
        else:
            form = await request.form(max_fields=10, max_files=0)
            params = {key: str(value)[:500] for key, value in form.items()}
        browser_language = preferred_language(request.headers.get("accept-language"))
        return await in_database_thread(render_flow, request.method, params, browser_language)

    def render_flow(method: str, params: dict[str, str], browser_language: str) -> Response:
        token = params.get("token", "")
        with transaction() as session:
            try:
                link = service.open_link(session, token, to_complete=method == "POST")
            except LinkUnavailable as unavailable:
                stored = session.get(service.SandboxLink, token) if token else None
                # A link it never made has no language: the browser's, as Kombo's page.
                language = stored.language if stored else browser_language
                status = 404 if unavailable.reason == "unknown" else 410
                return HTMLResponse(unavailable_page(unavailable.reason, language), status)
            tool_id = link.integration_tool or params.get("tool")
            tool = find_tool(link.category, tool_id) if tool_id else None
            if tool is None:
                return HTMLResponse(choose_tool_page(link))
            if method == "GET":
                page = setup_page if link.purpose == "setup" else credentials_page
                return HTMLResponse(page(link, tool))
            username = params.get("username", "").strip()
            password = params.get("password", "")
            if link.purpose != "setup" and (not username or not password):
                texts_error = texts_for(link.language)["missing"]
                return HTMLResponse(
                    credentials_page(link, tool, error=texts_error, username=username), 422
                )
            try:
                activation = service.complete_flow(
                    session, link, tool_id=tool.id, password=password, webhooks=config.webhooks
                )
            except CredentialsRejected:
                # Keep the failure webhook; the link stays open for another try.
                session.commit()
                message = texts_for(link.language)["rejected"].format(tool=tool.label)
                return HTMLResponse(
                    credentials_page(link, tool, error=message, username=username), 422
                )
            return HTMLResponse(connected_page(link, tool, activation.token))

    async def flow_script(_request: Request) -> Response:
        return Response(FLOW_SCRIPT, media_type="text/javascript")

    async def flow_style(_request: Request) -> Response:
        return Response(STYLE, media_type="text/css")

    async def tool_logo(request: Request) -> Response:
        tool = any_tool(request.path_params["tool"])
        if tool is None:
            return Response("Unknown tool", status_code=404, media_type="text/plain")
        return Response(tool_logo_svg(tool), media_type="image/svg+xml")

    integration = "/integrations/{integration_id:str}"
    return Starlette(
        routes=[
            Mount(
                "/v1",
                routes=[
                    Route("/check-api-key", api(check_api_key, reads_body=False)),
                    Route(
                        "/connect/create-link",
                        api(create_link, reads_body=True),
                        methods=["POST"],
                    ),
                    Route(
                        "/connect/integration-by-token/{token:str}",
                        api(integration_by_token, reads_body=False),
                    ),
                    Route(integration, api(get_integration, reads_body=False)),
                    Route(
                        integration,
                        api(delete_integration, reads_body=True),
                        methods=["DELETE"],
                    ),
                    Route(f"{integration}/relink", api(relink, reads_body=True), methods=["POST"]),
                    Route(
                        f"{integration}/setup-link",
                        api(setup_link, reads_body=True),
                        methods=["POST"],
                    ),
                    Route(
                        f"{integration}/enabled",
                        api(set_enabled, reads_body=True),
                        methods=["PUT"],
                    ),
                    Route("/tools/{category:str}", api(list_tools, reads_body=False)),
                ],
                middleware=[Middleware(FaultInjector, faults=faults)],
            ),
            Mount(
                "/control",
                routes=[
                    Route(
                        f"{integration}/state",
                        api(control_state, reads_body=True),
                        methods=["POST"],
                    ),
                    Route(
                        f"{integration}/data-changed",
                        api(control_data_changed, reads_body=True),
                        methods=["POST"],
                    ),
                    Route("/webhooks", api(control_webhooks, reads_body=False)),
                    Route(
                        "/flow/complete",
                        api(control_complete_flow, reads_body=True),
                        methods=["POST"],
                    ),
                    Route("/faults", api(control_add_fault, reads_body=True), methods=["POST"]),
                    Route("/faults", api(control_list_faults, reads_body=False), methods=["GET"]),
                    Route(
                        "/faults", api(control_clear_faults, reads_body=False), methods=["DELETE"]
                    ),
                ],
            ),
            Route("/connect", flow_page, methods=["GET", "POST"]),
            Route("/assets/flow.js", flow_script),
            Route("/assets/flow.css", flow_style),
            Route("/assets/tools/{tool:str}.svg", tool_logo),
        ]
    )


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(
        {
            "status": "error",
            "error": {"code": code, "title": None, "message": message, "log_url": None},
        },
        status_code=status,
    )


def _tool_listing(tool: SandboxTool, config: SandboxConfig) -> dict[str, Any]:
    logo = service.tool_logo_url(config.public_url, tool.id)
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
