"""`GET /auth/demo-host?to=...`, sandbox mode only: the portal plays the host product.

A real host's backend signs its user in with a hand-off token (see api.handoff); this
route does the same for the demo admin, with the sandbox's published hand-off secret,
so a newcomer sees that flow from the sign-in page's demo button. Not found in real
mode, or once an operator sets hand-off keys of their own.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from kombo_portal.api.handoff import AUTH_HANDOFF_PATH
from kombo_portal.config import Settings
from kombo_portal.db.models import Role
from kombo_portal.paths import DEMO_HANDOFF_PATH
from kombo_portal.records.accounts import (
    DEMO_ADMIN_EMAIL,
    DEMO_ADMIN_NAME,
    DEMO_ORGANISATION,
    DEMO_ORGANISATION_ID,
    DEMO_SUBJECTS,
)
from kombo_portal.use_cases.handoff import make_token


def demo_host_route(get_settings: Callable[[], Settings]) -> Route:
    async def hand_off_the_demo_admin(request: Request) -> Response:
        settings = get_settings()
        if not settings.demo_handoff:
            return PlainTextResponse("Not Found", status_code=404)
        token = make_token(
            settings.handoff,
            subject=DEMO_SUBJECTS[DEMO_ADMIN_EMAIL],
            email=DEMO_ADMIN_EMAIL,
            name=DEMO_ADMIN_NAME,
            organisation_id=DEMO_ORGANISATION_ID,
            organisation_name=DEMO_ORGANISATION,
            role=Role.ADMIN.value,
        )
        # `to` is checked by the hand-off route, as any host's would be.
        query = {"token": token}
        if to := request.query_params.get("to"):
            query["to"] = to
        response = RedirectResponse(f"{AUTH_HANDOFF_PATH}?{urlencode(query)}", status_code=303)
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    return Route(DEMO_HANDOFF_PATH, hand_off_the_demo_admin, methods=["GET"])
