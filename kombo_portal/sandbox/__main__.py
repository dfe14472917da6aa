"""Serve the local Kombo sandbox on its own: `python -m kombo_portal.sandbox --port 9000`.

Kombo's API is then at http://127.0.0.1:9000/v1 (set KOMBO_API_BASE_URL to it and
KOMBO_API_KEY to the sandbox key to point a portal at it), the flow page at
/connect, the control endpoints at /control.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from starlette.applications import Starlette
from starlette.routing import Mount

from kombo_portal.config import DEFAULT_SANDBOX_API_KEY, SANDBOX_WEBHOOK_SECRET
from kombo_portal.db.engine import create_database_engine
from kombo_portal.db.migrations import upgrade_to_head
from kombo_portal.sandbox.app import SandboxConfig, create_sandbox_app
from kombo_portal.sandbox.delivery import WebhookDeliverer
from kombo_portal.sandbox.service import WebhookSettings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m kombo_portal.sandbox", description=__doc__)
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--database-url",
        default="sqlite:///data/sandbox.db",
        help="where the sandbox keeps its state (migrated on start)",
    )
    parser.add_argument("--api-key", default=DEFAULT_SANDBOX_API_KEY)
    parser.add_argument(
        "--webhook-url",
        default="http://127.0.0.1:8000/webhooks/kombo",
        help="where to deliver webhooks",
    )
    parser.add_argument("--webhook-secret", default=SANDBOX_WEBHOOK_SECRET)
    parser.add_argument("--send-webhooks-twice", action="store_true", help="exercise deduplication")
    parser.add_argument(
        "--public-url",
        help="where browsers reach this sandbox (default: http://HOST:PORT)",
    )
    return parser


def create_standalone_app(args: argparse.Namespace) -> Starlette:
    engine = create_database_engine(args.database_url)
    upgrade_to_head(engine)
    deliverer = WebhookDeliverer(engine, args.webhook_secret)
    sandbox = create_sandbox_app(
        SandboxConfig(
            api_key=args.api_key,
            public_url=(args.public_url or f"http://{args.host}:{args.port}").rstrip("/"),
            webhooks=WebhookSettings(args.webhook_url, send_twice=args.send_webhooks_twice),
        ),
        lambda: engine,
        on_webhook_enqueued=deliverer.wake,
    )

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        delivering = asyncio.create_task(deliverer.run())
        try:
            yield
        finally:
            delivering.cancel()

    return Starlette(routes=[Mount("", app=sandbox)], lifespan=lifespan)


def main() -> None:
    args = build_parser().parse_args()
    uvicorn.run(create_standalone_app(args), host=args.host, port=args.port, log_level="info")


if __name__ == "__main__":
    main()
