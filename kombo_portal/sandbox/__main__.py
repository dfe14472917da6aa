"""Serve the local Kombo sandbox on its own: `python -m kombo_portal.sandbox --port 9000`.

Kombo's API is then at http://127.0.0.1:9000/v1 (set KOMBO_API_BASE_URL to it and
KOMBO_API_KEY to the sandbox key to point a portal at it), the flow page at
/connect, the control endpoints at /control.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount

from kombo_portal.config import (
    DEFAULT_SANDBOX_API_KEY,
    SANDBOX_WEBHOOK_SECRET,
    Settings,
    SettingsError,
)
from kombo_portal.db.engine import create_database_engine
from kombo_portal.db.migrations import upgrade_sandbox_schema
from kombo_portal.logs import RequestIdMiddleware, configure_logging, url_passwords
from kombo_portal.sandbox.app import SandboxConfig, create_sandbox_app
from kombo_portal.sandbox.delivery import MAX_RETRY_WAIT, WebhookDeliverer
from kombo_portal.sandbox.outbox import WebhookSettings

LOG_VARIABLES = ("PORTAL_LOG_FORMAT", "PORTAL_LOG_LEVEL")


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
        "--max-retry-wait",
        type=_seconds,
        default=MAX_RETRY_WAIT.total_seconds(),
        metavar="SECONDS",
        help="longest wait between tries of a refused webhook (default 60)",
    )
    parser.add_argument(
        "--public-url",
        help="where browsers reach this sandbox (default: http://HOST:PORT)",
    )
    return parser


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds") from None
    if not 1 <= seconds <= 3600:
        raise argparse.ArgumentTypeError("must be between 1 and 3600 seconds")
    return seconds


def create_standalone_app(args: argparse.Namespace) -> Starlette:
    engine = create_database_engine(args.database_url)
    # A database of its own: the sandbox's tables only.
    upgrade_sandbox_schema(engine)
    deliverer = WebhookDeliverer(
        engine, args.webhook_secret, max_retry_wait=timedelta(seconds=args.max_retry_wait)
    )
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
        configure_sandbox_logging(args)  # again: the server reconfigured logging
        delivering = asyncio.create_task(deliverer.run())
        try:
            yield
        finally:
            delivering.cancel()

    return Starlette(
        routes=[Mount("", app=sandbox)],
        lifespan=lifespan,
        middleware=[Middleware(RequestIdMiddleware)],
    )


def configure_sandbox_logging(args: argparse.Namespace) -> None:
    """The portal's log format and level (PORTAL_LOG_FORMAT, PORTAL_LOG_LEVEL from the
    environment); the keys and secrets given on the command line stay out of lines."""
    chosen = {name: os.environ[name] for name in LOG_VARIABLES if name in os.environ}
    settings = Settings.from_environment(chosen)
    configure_logging(
        log_format=settings.logging.format.value,
        level=settings.logging.level.value,
        secret_values=[args.api_key, args.webhook_secret, *url_passwords(args.database_url)],
    )


def main() -> None:
    args = build_parser().parse_args()
    try:
        configure_sandbox_logging(args)
    except SettingsError as error:
        raise SystemExit(f"Configuration error: {error}") from None
    uvicorn.run(create_standalone_app(args), host=args.host, port=args.port, log_level="info")


if __name__ == "__main__":
    main()
