"""The baseline of the click-to-flow benchmark: the least a page can do to open Kombo Connect.

A static HTML page with one card and a "Connect HRIS" button. The click fetches a
link from a bare Starlette route, which asks the same sandbox the portal uses
(`POST /connect/create-link`, over HTTP with a kept-alive connection), and hands it
to the same `showKomboConnect` (the package's UMD build). When the flow resolves,
the page posts the activation token to a second route, which makes the same two
calls the portal makes to confirm a connection (`integration-by-token`, then
`GET /integrations/{id}`) and answers with the tool's label, which the card shows.
No database, no sessions, no framework: what is left is the sandbox, the network
and the library.

Run by bench/click_to_flow.py in a process of its own, as the portal runs in its own:

    python -m bench.click_to_flow_baseline --port 8100 \\
        --sandbox-api-url http://localhost:3000/sandbox/kombo/v1 --umd path/to/index.js
"""

from __future__ import annotations

import argparse
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from kombo_portal.config import DEFAULT_SANDBOX_API_KEY

# The same markup the benchmark looks for on the portal: a card marked with its
# category, whose text names the tool once connected, and a button "Connect HRIS".
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Baseline</title>
<script src="/kombo-connect.js"></script></head>
<body>
<section data-category="HRIS">
<h2>HR system</h2>
<p id="status">Not connected</p>
<button id="connect" type="button">Connect HRIS</button>
</section>
<script>
var button = document.getElementById("connect");
var shown = document.getElementById("status");
function post(path, body) {
  return fetch(path, {
    method: "POST",
    headers: {"Content-Type": "application/json"},
    body: JSON.stringify(body || {})
  }).then(function (response) { return response.json(); });
}
button.addEventListener("click", function () {
  button.disabled = true;
  post("/link")
    .then(function (answer) { return KomboConnect.showKomboConnect(answer.link); })
    .then(function (token) { return post("/finish", {token: token}); })
    .then(function (answer) { shown.textContent = answer.label + " Active"; })
    .catch(function (error) { shown.textContent = "error:" + error.name; })
    .finally(function () { button.disabled = false; });
});
</script>
</body></html>
"""


def server_timing(started: float) -> dict[str, str]:
    """How long the calls to the sandbox took, for the page's resource timing to report."""
    return {"Server-Timing": f"sandbox;dur={(time.perf_counter() - started) * 1000:.1f}"}


def create_app(sandbox_api_url: str, api_key: str, umd: bytes) -> Starlette:
    client: httpx.AsyncClient | None = None

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        nonlocal client
        # One client for the server's life: its connection to the sandbox stays open
        # between clicks, as the portal's client does.
        async with httpx.AsyncClient(
            base_url=sandbox_api_url.rstrip("/"),
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=10,
        ) as client:
            yield

    async def page(_request: Request) -> Response:
        return HTMLResponse(PAGE)

    async def script(_request: Request) -> Response:
        return Response(umd, media_type="text/javascript")

    async def link(_request: Request) -> Response:
        if client is None:  # only before the lifespan has started
            return Response(status_code=503)
        # The fields the portal sends for an admin connecting an HRIS.
        started = time.perf_counter()
        answer = await client.post(
            "/connect/create-link",
            json={
                "end_user_email": "admin@baseline.test",
                "end_user_organization_name": "Baseline",
                "end_user_origin_id": "baseline",
                "integration_category": "HRIS",
                "language": "en",
            },
        )
        answer.raise_for_status()
        return JSONResponse({"link": answer.json()["data"]["link"]}, headers=server_timing(started))

    async def finish(request: Request) -> Response:
        if client is None:
            return Response(status_code=503)
        token = (await request.json())["token"]
        started = time.perf_counter()
        found = await client.get(f"/connect/integration-by-token/{token}")
        found.raise_for_status()
        details = await client.get(f"/integrations/{found.json()['data']['id']}")
        details.raise_for_status()
        return JSONResponse(
            {"label": details.json()["data"]["tool"]["label"]}, headers=server_timing(started)
        )

    return Starlette(
        routes=[
            Route("/", page),
            Route("/kombo-connect.js", script),
            Route("/link", link, methods=["POST"]),
            Route("/finish", finish, methods=["POST"]),
        ],
        lifespan=lifespan,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.click_to_flow_baseline")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--sandbox-api-url", required=True, help="the sandbox's /v1 base URL")
    parser.add_argument("--api-key", default=DEFAULT_SANDBOX_API_KEY)
    parser.add_argument("--umd", type=Path, required=True, help="@kombo-api/connect's UMD build")
    args = parser.parse_args(argv)
    app = create_app(args.sandbox_api_url, args.api_key, args.umd.read_bytes())
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
