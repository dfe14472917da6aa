"""The Connect flow page a link opens (`/connect`) and its assets, as module-level
endpoints; sandbox.flow_page renders, sandbox.flow decides the outcome."""

from __future__ import annotations

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from kombo_portal.db.threads import in_database_thread
from kombo_portal.i18n import preferred_language
from kombo_portal.sandbox.catalogue import SandboxTool, any_tool, generic_tool
from kombo_portal.sandbox.context import SandboxContext, sandbox_context
from kombo_portal.sandbox.flow import (
    CredentialsRejected,
    submit_credentials,
    submit_setup_step,
    tool_for_link,
)
from kombo_portal.sandbox.flow_page import (
    FLOW_SCRIPT,
    STYLE,
    choose_tool_page,
    connected_page,
    credentials_page,
    texts_for,
    tool_logo_svg,
    unavailable_page,
)
from kombo_portal.sandbox.integrations import get_integration
from kombo_portal.sandbox.links import LinkUnavailable, open_link
from kombo_portal.sandbox.models import SandboxActivationToken, SandboxLink
from kombo_portal.sandbox.setup_pages import setup_step_page
from kombo_portal.sandbox.setup_steps import (
    FILTERING,
    MAPPING_TARGETS,
    Choice,
    StepInvalid,
    employee_filter_choice,
    field_mapping_choice,
)


async def flow_page(request: Request) -> Response:
    if request.method == "GET":
        params = dict(request.query_params)
    else:
        form = await request.form(max_fields=10, max_files=0)
        params = {key: str(value)[:500] for key, value in form.items()}
    browser_language = preferred_language(request.headers.get("accept-language"))
    return await in_database_thread(
        _render_flow, sandbox_context(request), request.method, params, browser_language
    )


def _render_flow(
    sandbox: SandboxContext, method: str, params: dict[str, str], browser_language: str
) -> Response:
    token = params.get("token", "")
    with sandbox.transaction() as session:
        try:
            link = open_link(session, token, to_complete=method == "POST")
        except LinkUnavailable as unavailable:
            stored = session.get(SandboxLink, token) if token else None
            # A link it never made has no language: the browser's, as Kombo's page.
            language = stored.language if stored else browser_language
            status = 404 if unavailable.reason == "unknown" else 410
            return HTMLResponse(unavailable_page(unavailable.reason, language), status)
        if link.setup_step is not None:
            return _setup_step(session, sandbox, link, method, params)
        tool = tool_for_link(link, link.integration_tool or params.get("tool"))
        if tool is None:
            return HTMLResponse(choose_tool_page(link))
        if method == "GET":
            return HTMLResponse(credentials_page(link, tool))
        username = params.get("username", "").strip()
        password = params.get("password", "")
        if not username or not password:
            texts_error = texts_for(link.language)["missing"]
            return HTMLResponse(
                credentials_page(link, tool, error=texts_error, username=username), 422
            )
        try:
            activation = submit_credentials(
                session, link, tool, password=password, webhooks=sandbox.config.webhooks
            )
        except CredentialsRejected:
            # Keep the failure webhook; the link stays open for another try.
            session.commit()
            message = texts_for(link.language)["rejected"].format(tool=tool.label)
            return HTMLResponse(credentials_page(link, tool, error=message, username=username), 422)
        return _next_page(session, link, tool, activation)


def _setup_step(
    session: Session,
    sandbox: SandboxContext,
    link: SandboxLink,
    method: str,
    params: dict[str, str],
) -> Response:
    integration = get_integration(session, link.integration_id or "")
    tool = any_tool(integration.tool) or generic_tool(integration.tool)
    step = link.setup_step
    # A form of another step (sent twice, or from an older tab) changes nothing.
    if method == "GET" or step is None or params.get("step") != step:
        return HTMLResponse(setup_step_page(link, tool, integration))
    entered = _entered(step, params)
    try:
        if step == FILTERING:
            choice = employee_filter_choice(entered["scope"], entered["value"])
        else:
            choice = field_mapping_choice(entered)
    except StepInvalid as invalid:
        error = texts_for(link.language)[invalid.text_key]
        page = setup_step_page(link, tool, integration, error=error, entered=entered)
        return HTMLResponse(page, 422)
    activation = submit_setup_step(session, link, choice, webhooks=sandbox.config.webhooks)
    return _next_page(session, link, tool, activation)


def _entered(step: str, params: dict[str, str]) -> Choice:
    if step == FILTERING:
        return {"scope": params.get("scope"), "value": params.get("value")}
    return {target: params.get(target) for target in MAPPING_TARGETS}


def _next_page(
    session: Session,
    link: SandboxLink,
    tool: SandboxTool,
    activation: SandboxActivationToken | None,
) -> Response:
    """The success page with the activation token, or the next setup step."""
    if activation is not None:
        return HTMLResponse(connected_page(link, tool, activation.token))
    integration = get_integration(session, link.integration_id or "")
    return HTMLResponse(setup_step_page(link, tool, integration))


async def flow_script(_request: Request) -> Response:
    return Response(FLOW_SCRIPT, media_type="text/javascript")


async def flow_style(_request: Request) -> Response:
    return Response(STYLE, media_type="text/css")


async def tool_logo(request: Request) -> Response:
    tool = any_tool(request.path_params["tool"])
    if tool is None:
        return Response("Unknown tool", status_code=404, media_type="text/plain")
    return Response(tool_logo_svg(tool), media_type="image/svg+xml")


FLOW_ROUTES: list[BaseRoute] = [
    Route("/connect", flow_page, methods=["GET", "POST"]),
    Route("/assets/flow.js", flow_script),
    Route("/assets/flow.css", flow_style),
    Route("/assets/tools/{tool:str}.svg", tool_logo),
]
