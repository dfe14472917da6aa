"""The portal's Prometheus metrics: what services record, with no web framework here.

In a server with several worker processes, `serve` sets PROMETHEUS_MULTIPROC_DIR
before any worker starts; prometheus_client then keeps each process's values in files
there, and a scrape (`render`) sums them, whichever worker answers it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

MULTIPROC_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST

# Kombo's event types the portal knows; any other is "other" so that bodies posted by
# anyone cannot grow the number of series without bound.
KNOWN_WEBHOOK_TYPES = frozenset(
    {
        "connection-flow-failed",
        "integration-created",
        "integration-deleted",
        "integration-state-changed",
        "data-changed",
        "sync-finished",
        "remote-event-received",
        "issue-status-changed",
    }
)

WEBHOOKS = Counter(
    "kombo_portal_webhooks",
    "Kombo webhooks received, by event type and what became of them.",
    ["type", "outcome"],
)
KOMBO_REQUESTS = Counter(
    "kombo_portal_kombo_requests",
    "Calls to Kombo's API, by endpoint template and HTTP status (or the failure).",
    ["endpoint", "status"],
)
KOMBO_DURATION = Histogram(
    "kombo_portal_kombo_request_duration_seconds",
    "How long one call to Kombo's API took, retries counted separately.",
    ["endpoint"],
)
CONNECT_ATTEMPTS = Counter(
    "kombo_portal_connect_attempts",
    "Connect attempts that ended, by what the user did and how it ended.",
    ["action", "outcome"],
)
# livesum: the tabs open in the workers that are still running, added up.
OPEN_PAGES = Gauge(
    "kombo_portal_open_pages",
    "Open Integrations pages registered for live updates.",
    multiprocess_mode="livesum",
)


def webhook_type_label(event_type: str) -> str:
    return event_type if event_type in KNOWN_WEBHOOK_TYPES else "other"


def count_webhook(event_type: str, outcome: str) -> None:
    WEBHOOKS.labels(type=event_type, outcome=outcome).inc()


@contextmanager
def timed_kombo_call(endpoint: str) -> Iterator[dict[str, str]]:
    """Time one call; the caller puts its status (or failure kind) in the yielded dict."""
    outcome = {"status": "error"}
    started = time.monotonic()
    try:
        yield outcome
    finally:
        KOMBO_DURATION.labels(endpoint=endpoint).observe(time.monotonic() - started)
        KOMBO_REQUESTS.labels(endpoint=endpoint, status=outcome["status"]).inc()


def count_connect_attempt(action: str, outcome: str) -> None:
    CONNECT_ATTEMPTS.labels(action=action, outcome=outcome).inc()


def pages_opened(count: int = 1) -> None:
    if count:
        OPEN_PAGES.inc(count)


def pages_closed(count: int = 1) -> None:
    if count:
        OPEN_PAGES.dec(count)


def render() -> bytes:
    """Every metric in Prometheus' text format, summed over the workers if there are several."""
    directory = os.environ.get(MULTIPROC_DIR_VARIABLE)
    if directory:
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=directory)
        return generate_latest(registry)
    return generate_latest(REGISTRY)
