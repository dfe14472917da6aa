"""A real HTTP server on a free loopback port that records the webhooks it receives."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from harness.local_server import serve_in_thread


@dataclass
class ReceivedWebhook:
    body: bytes
    headers: dict[str, str]


@dataclass
class WebhookReceiver:
    url: str
    received: list[ReceivedWebhook] = field(default_factory=list)
    # Statuses to answer with, in order; 200 once they run out.
    statuses: list[int] = field(default_factory=list)


@contextmanager
def webhook_receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver(url="")

    async def receive(request: Request) -> Response:
        receiver.received.append(ReceivedWebhook(await request.body(), dict(request.headers)))
        status = receiver.statuses.pop(0) if receiver.statuses else 200
        return Response(status_code=status)

    app = Starlette(routes=[Route("/webhooks/kombo", receive, methods=["POST"])])
    with serve_in_thread(app) as base_url:
        receiver.url = f"{base_url}/webhooks/kombo"
        yield receiver
