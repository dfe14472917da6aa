"""A stand-in for Kombo's flow page, so the demo runs offline: it speaks the messages
Kombo's page sends to `@kombo-api/connect` (`success` with an activation token, and
`close`). A real app gets its link from Kombo's `POST /connect/create-link` instead."""

from html import escape

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

FLOW_PATH = "/demo-flow"

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Demo flow {number}</title>
<style>
body {{ font-family: system-ui, sans-serif; background: rgba(15, 23, 42, .55); margin: 0;
  display: grid; place-items: center; min-height: 100vh; }}
main {{ background: #fff; border-radius: 12px; padding: 24px 28px; width: min(420px, 90vw); }}
button {{ font: inherit; padding: 8px 14px; margin-right: 8px; }}
</style></head>
<body><main>
<h1>Demo flow {number}</h1>
<p>Kombo's own page would ask which system to connect and sign in to it.</p>
<button id="finish" type="button">Finish</button>
<button id="close" type="button">Close</button>
</main>
<script>
  const tell = (message) => window.parent.postMessage(message, "*");
  document.getElementById("finish").onclick = () =>
    tell({{ type: "success", data: {{ activation_token: "demo-token-{number}" }} }});
  document.getElementById("close").onclick = () => tell({{ type: "close" }});
  document.getElementById("finish").focus();
</script>
</body></html>
"""


async def flow_page(request: Request) -> HTMLResponse:
    number = escape(request.query_params.get("flow", "1"))
    return HTMLResponse(PAGE.format(number=number))


routes = Starlette(routes=[Route(FLOW_PATH, flow_page)])
