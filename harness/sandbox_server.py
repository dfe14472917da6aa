"""The sandbox as a separate process (`python -m kombo_portal.sandbox`), on a free port."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from harness.processes import free_port, serving


@dataclass(frozen=True)
class SandboxServer:
    url: str
    api_key: str
    webhook_secret: str
    # The sandbox's own state (its webhook outbox included) and its log, for tests to read.
    database_url: str
    log_path: Path

    @property
    def api_url(self) -> str:
        return f"{self.url}/v1"

    def control(self) -> httpx.Client:
        return httpx.Client(
            base_url=f"{self.url}/control",
            headers={"Authorization": f"Bearer {self.api_key}"},
            timeout=10,
        )


@contextmanager
def sandbox_server(
    work_dir: Path,
    webhook_url: str,
    *,
    api_key: str = "ks_dev_standalone_test",
    webhook_secret: str = "whsec_standalone_test",  # noqa: S107 (a test value)
    send_webhooks_twice: bool = False,
    max_retry_wait: float | None = None,
) -> Iterator[SandboxServer]:
    """Start the sandbox, its state in `work_dir/sandbox.db`; stop it on leaving."""
    port = free_port()
    server = SandboxServer(
        url=f"http://127.0.0.1:{port}",
        api_key=api_key,
        webhook_secret=webhook_secret,
        database_url=f"sqlite:///{work_dir / 'sandbox.db'}",
        log_path=work_dir / "sandbox.log",
    )
    command = [
        sys.executable,
        "-m",
        "kombo_portal.sandbox",
        "--port",
        str(port),
        "--database-url",
        server.database_url,
        "--api-key",
        server.api_key,
        "--webhook-url",
        webhook_url,
        "--webhook-secret",
        server.webhook_secret,
        *(["--send-webhooks-twice"] if send_webhooks_twice else []),
        *(["--max-retry-wait", str(max_retry_wait)] if max_retry_wait else []),
    ]

    def answers() -> bool:
        # Any answer: the route checks a key, and serving is all this waits for.
        return httpx.get(f"{server.api_url}/check-api-key", timeout=2).status_code > 0

    with serving(
        command,
        server.log_path,
        answers,
        what="the sandbox",
        env={**os.environ, "PORTAL_ENV_FILE": ""},
    ):
        yield server
