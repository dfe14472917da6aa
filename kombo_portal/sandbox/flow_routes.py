"""The Connect flow page a link opens (`/connect`) and its assets, as module-level
endpoints; sandbox.flow_page renders, sandbox.flow decides the outcome."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from kombo_portal.db.threads import in_database_thread
from kombo_portal.i18n import preferred_language
from kombo_portal.sandbox.catalogue import any_tool, find_tool
from kombo_portal.sandbox.context import SandboxContext, sandbox_context
from kombo_portal.sandbox.flow import CredentialsRejected, complete_flow
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
from kombo_portal.sandbox.links import LinkUnavailable, open_link
from kombo_portal.sandbox.models import SandboxLink


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
            activation = complete_flow(
                session,
                link,
                tool_id=tool.id,
                password=password,
                webhooks=sandbox.config.webhooks,
            )
        except CredentialsRejected:
            # Keep the failure webhook; the link stays open for another try.
            session.commit()
            message = texts_for(link.language)["rejected"].format(tool=tool.label)
            return HTMLResponse(credentials_page(link, tool, error=message, username=username), 422)
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


FLOW_ROUTES: list[BaseRoute] = [
    Route("/connect", flow_page, methods=["GET", "POST"]),
    Route("/assets/flow.js", flow_script),
    Route("/assets/flow.css", flow_style),
    Route("/assets/tools/{tool:str}.svg", tool_logo),
]
