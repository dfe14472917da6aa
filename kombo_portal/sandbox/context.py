"""What the sandbox's endpoints share, kept on the app's state: `request.app` is the
sandbox's own Starlette app, whether it is mounted in the portal or served alone."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import Session
from starlette.requests import Request

from kombo_portal.db.transaction import transaction as database_transaction
from kombo_portal.sandbox.faults import Faults
from kombo_portal.sandbox.outbox import WebhookSettings, enqueued_webhooks


@dataclass(frozen=True)
class SandboxConfig:
    api_key: str
    # Where browsers reach this app, e.g. http://localhost:8000/sandbox/kombo.
    public_url: str
    webhooks: WebhookSettings

    def link_url(self, token: str) -> str:
        return f"{self.public_url}/connect?token={token}"


@dataclass(frozen=True)
class SandboxContext:
    config: SandboxConfig
    get_engine: Callable[[], Engine]
    # Faults on demand for the /v1 API (see sandbox.faults).
    faults: Faults
    # Wakes the webhook deliverer after a change.
    on_webhook_enqueued: Callable[[], None]

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        # The portal's: on SQLite a process's writers take turns, as there.
        with database_transaction(self.get_engine()) as session:
            yield session
            enqueued = enqueued_webhooks(session)
        # Once committed, and only then: each wake is a pass over the outbox.
        if enqueued:
            self.on_webhook_enqueued()


def sandbox_context(request: Request) -> SandboxContext:
    context: SandboxContext = request.app.state.sandbox
    return context
