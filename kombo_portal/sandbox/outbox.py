"""The sandbox's outbox of webhooks: each change stores the webhooks it announces in
the same transaction; sandbox.delivery sends them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from kombo_portal.db.models import utc_now
from kombo_portal.sandbox.models import SandboxWebhookDelivery, random_text


@dataclass(frozen=True)
class WebhookSettings:
    target_url: str
    # Send every event twice, to exercise the receiver's deduplication.
    send_twice: bool = False


def enqueue_webhook(
    session: Session,
    webhooks: WebhookSettings,
    event_type: str,
    data: dict[str, object],
    now: datetime | None = None,
) -> str:
    """Store a webhook in the outbox, in the caller's transaction; returns the event id."""
    session.info[_ENQUEUED] = True
    now = now or utc_now()
    event_id = random_text(24)
    # Pretty-printed, as Kombo sends it: receivers must verify the raw bytes.
    body = json.dumps({"id": event_id, "type": event_type, "data": data}, indent=2)
    for _ in range(2 if webhooks.send_twice else 1):
        session.add(
            SandboxWebhookDelivery(
                event_id=event_id,
                event_type=event_type,
                body=body,
                target_url=webhooks.target_url,
                next_attempt_at=now,
                created_at=now,
            )
        )
    return event_id


def enqueued_webhooks(session: Session) -> bool:
    """Whether the session's transaction put a webhook in the outbox."""
    return bool(session.info.get(_ENQUEUED))


_ENQUEUED = "sandbox_webhook_enqueued"


def list_deliveries(session: Session, limit: int = 100) -> list[SandboxWebhookDelivery]:
    statement = (
        select(SandboxWebhookDelivery)
        .order_by(col(SandboxWebhookDelivery.created_at).desc())
        .limit(limit)
    )
    return list(session.exec(statement))
