"""The process's long-lived parts: the Kombo client the portal talks through and,
in sandbox mode, the local sandbox and its webhook deliverer.

Built once by the app module; the page's state and the routes take what they need from here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx
from sqlalchemy import Engine
from starlette.applications import Starlette

from kombo_portal.config import Settings
from kombo_portal.kombo import KomboClient
from kombo_portal.kombo.models import IntegrationCategory
from kombo_portal.paths import SANDBOX_MOUNT_PATH, WEBHOOK_PATHS
from kombo_portal.sandbox.app import SandboxConfig, create_sandbox_app
from kombo_portal.sandbox.delivery import WebhookDeliverer
from kombo_portal.sandbox.outbox import WebhookSettings
from kombo_portal.use_cases.accounts import prepare_demo_accounts
from kombo_portal.use_cases.connect import ConnectOptions
from kombo_portal.use_cases.tool_details import ToolDetailsFetcher

logger = logging.getLogger(__name__)

# The portal reaches the sandbox in-process: same HTTP requests and JSON bytes,
# no socket, and no need to know which port this process listens on.
IN_PROCESS_SANDBOX_URL = "http://sandbox.invalid/v1"


@dataclass
class Backend:
    settings: Settings
    get_engine: Callable[[], Engine]
    kombo: KomboClient
    sandbox: Starlette | None = None
    sandbox_config: SandboxConfig | None = None
    deliverer: WebhookDeliverer | None = None
    details_fetcher: ToolDetailsFetcher = field(init=False)

    def __post_init__(self) -> None:
        self.details_fetcher = ToolDetailsFetcher(self.get_engine, self.kombo)

    @property
    def engine(self) -> Engine:
        return self.get_engine()

    @property
    def connect_options(self) -> ConnectOptions:
        return ConnectOptions(
            categories=tuple(category.value for category in self.settings.connect.categories),
            tools=dict(self.settings.connect.tools),
            scope_config_id=self.settings.connect.scope_config_id,
            enable_filtering=self.settings.connect.enable_filtering,
            enable_field_mapping=self.settings.connect.enable_field_mapping,
            enable_static_ips=self.settings.connect.enable_static_ips,
            remote_environment=self.settings.connect.remote_environment,
        )

    @property
    def setup_categories(self) -> frozenset[str]:
        """The categories this deployment connects with setup steps (see
        records.webhook_events.ingest)."""
        options = self.connect_options
        return frozenset(
            category.value
            for category in IntegrationCategory
            if options.has_setup_steps(category.value)
        )

    @asynccontextmanager
    async def lifespan(self) -> AsyncIterator[None]:
        """Runs while the web server runs: fetches tool details that are due, delivers
        sandbox webhooks, closes the pool."""
        await prepare_demo_accounts(
            self.engine,
            sandbox_mode=self.sandbox is not None,
            demo_issuer=self.settings.handoff.issuer if self.settings.demo_handoff else None,
        )
        running = [asyncio.create_task(self.details_fetcher.run())]
        if self.deliverer:
            running.append(asyncio.create_task(self.deliverer.run()))
        try:
            yield
        finally:
            for task in running:
                task.cancel()
            await self.kombo.aclose()


def build_backend(
    settings: Settings,
    get_engine: Callable[[], Engine],
    *,
    backend_url: str,
) -> Backend:
    """`backend_url`: where browsers reach this backend (the sandbox's flow links)
    and where the sandbox delivers its webhooks unless told otherwise."""
    if settings.kombo.api_key is not None:
        kombo = KomboClient(
            settings.kombo.api_base_url,
            settings.kombo.api_key.get_secret_value(),
            timeout_seconds=settings.kombo.timeout_seconds,
        )
        return Backend(settings=settings, get_engine=get_engine, kombo=kombo)

    deliverer = WebhookDeliverer(get_engine(), settings.kombo.webhook_secrets[0])
    sandbox_config = SandboxConfig(
        api_key=settings.sandbox.api_key,
        public_url=backend_url.rstrip("/") + SANDBOX_MOUNT_PATH,
        webhooks=WebhookSettings(
            target_url=settings.sandbox.webhook_url or backend_url.rstrip("/") + WEBHOOK_PATHS[0],
            send_twice=settings.sandbox.duplicate_webhooks,
        ),
    )
    sandbox = create_sandbox_app(sandbox_config, get_engine, on_webhook_enqueued=deliverer.wake)
    kombo = KomboClient(
        IN_PROCESS_SANDBOX_URL,
        settings.sandbox.api_key,
        timeout_seconds=settings.kombo.timeout_seconds,
        transport=httpx.ASGITransport(app=sandbox),
    )
    return Backend(
        settings=settings,
        get_engine=get_engine,
        kombo=kombo,
        sandbox=sandbox,
        sandbox_config=sandbox_config,
        deliverer=deliverer,
    )


_installed: Backend | None = None


def install_backend(backend: Backend) -> None:
    """Make `backend` the one the app's state handlers use (done by the app module)."""
    global _installed
    _installed = backend


def current_backend() -> Backend:
    if _installed is None:
        raise RuntimeError("no backend installed: the app module installs it at import")
    return _installed
