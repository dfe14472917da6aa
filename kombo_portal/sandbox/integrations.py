"""The sandbox's integrations: looked up, deleted, enabled and disabled, changed by
hand (control endpoints), each change announced with Kombo's webhook."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from kombo_portal.db.models import utc_now
from kombo_portal.sandbox.inputs import (
    SandboxError,
    input_invalid,
    new_log_url,
    reject_unknown_fields,
    require_object,
)
from kombo_portal.sandbox.kombo_lists import KOMBO_MODEL_NAMES, SYNC_STATES
from kombo_portal.sandbox.models import SandboxIntegration, random_text
from kombo_portal.sandbox.outbox import WebhookSettings, enqueue_webhook
from kombo_portal.sandbox.payloads import end_user, iso

STATES = ("ACTIVE", "INVALID", "INACTIVE")
SETUP_STATUSES = ("INCOMPLETE", "FINAL_SYNC_PENDING", "COMPLETED")


def integration_not_found(integration_id: str) -> SandboxError:
    return SandboxError(
        404, "PLATFORM.INTEGRATION_NOT_FOUND", f"No integration with the id {integration_id!r}."
    )


def get_integration(session: Session, integration_id: str) -> SandboxIntegration:
    integration = session.get(SandboxIntegration, integration_id)
    if integration is None or integration.deleted_at is not None:
        raise integration_not_found(integration_id)
    return integration


def delete_integration(
    session: Session, integration_id: str, webhooks: WebhookSettings, now: datetime | None = None
) -> None:
    now = now or utc_now()
    integration = get_integration(session, integration_id)
    integration.deleted_at = now
    session.add(integration)
    enqueue_webhook(
        session,
        webhooks,
        "integration-deleted",
        {
            "id": integration.id,
            "tool": integration.tool,
            "category": integration.category,
            "end_user": end_user(integration),
            "deleted_at": iso(now),
        },
        now,
    )


def set_enabled(
    session: Session,
    integration_id: str,
    body: object,
    webhooks: WebhookSettings,
    now: datetime | None = None,
) -> None:
    """`PUT /integrations/{id}/enabled`: disabled means INACTIVE."""
    fields = require_object(body)
    value = fields.get("value")
    if not isinstance(value, bool):
        raise input_invalid("value: must be a boolean.")
    integration = get_integration(session, integration_id)
    change_state(session, integration, webhooks, state="ACTIVE" if value else "INACTIVE", now=now)


def change_state(
    session: Session,
    integration: SandboxIntegration,
    webhooks: WebhookSettings,
    *,
    state: str | None = None,
    setup_status: str | None = None,
    now: datetime | None = None,
) -> None:
    """Set state and/or setup status; announce `integration-state-changed` if either changed."""
    if state is not None and state not in STATES:
        raise input_invalid(f"state: must be one of {', '.join(STATES)}.")
    if setup_status is not None and setup_status not in SETUP_STATUSES:
        raise input_invalid(f"setup_status: must be one of {', '.join(SETUP_STATUSES)}.")
    before = (integration.state, integration.setup_status)
    integration.state = state or integration.state
    integration.setup_status = setup_status or integration.setup_status
    if (integration.state, integration.setup_status) == before:
        return
    now = now or utc_now()
    integration.updated_at = now
    session.add(integration)
    enqueue_webhook(
        session,
        webhooks,
        "integration-state-changed",
        {
            "integration_id": integration.id,
            "integration_tool": integration.tool,
            "integration_category": integration.category,
            "end_user": end_user(integration),
            "qa_status": integration.qa_status,
            "setup_status": integration.setup_status,
            "state": integration.state,
            "updated_at": iso(now),
        },
        now,
    )


def enable_setup_steps(
    integration: SandboxIntegration, *, filtering: bool | None, field_mapping: bool | None
) -> None:
    """What Kombo's dashboard (Integration Settings) does: switch an integration's
    setup steps on or off; None leaves one as it is."""
    if filtering and integration.category != "HRIS":
        raise input_invalid("enable_filtering: the employee filter is for HRIS integrations only.")
    if filtering is not None:
        integration.enable_filtering = filtering
    if field_mapping is not None:
        integration.enable_field_mapping = field_mapping


def announce_data_changed(
    session: Session,
    integration_id: str,
    models: list[str],
    webhooks: WebhookSettings,
    now: datetime | None = None,
) -> None:
    """`data-changed` naming `models`, each one of Kombo's model names."""
    unknown = [name[:60] for name in models if name not in KOMBO_MODEL_NAMES]
    if unknown:
        raise input_invalid(f"models: not Kombo model names: {', '.join(unknown)}.")
    if not models:
        raise input_invalid("models: name at least one model.")
    integration = get_integration(session, integration_id)
    enqueue_webhook(
        session,
        webhooks,
        "data-changed",
        {
            "integration_id": integration.id,
            "integration_tool": integration.tool,
            "integration_category": integration.category,
            "changed_models": [{"name": name} for name in models],
        },
        now,
    )


SYNC_FIELDS = frozenset({"sync_state", "sync_duration_seconds"})
MAX_SYNC_SECONDS = 7 * 24 * 3600


def announce_sync_finished(
    session: Session,
    integration_id: str,
    body: object,
    webhooks: WebhookSettings,
    now: datetime | None = None,
) -> dict[str, object]:
    """`sync-finished` for a sync that ended now (`sync_state` SUCCEEDED unless
    given, `sync_duration_seconds` 60 unless given); returns the webhook's data."""
    fields = require_object(body)
    reject_unknown_fields(fields, SYNC_FIELDS)
    state = fields.get("sync_state", "SUCCEEDED")
    if state not in SYNC_STATES:
        raise input_invalid(f"sync_state: must be one of {', '.join(SYNC_STATES)}.")
    seconds = fields.get("sync_duration_seconds", 60)
    if isinstance(seconds, bool) or not isinstance(seconds, int):
        raise input_invalid("sync_duration_seconds: must be a whole number.")
    if not 0 <= seconds <= MAX_SYNC_SECONDS:
        raise input_invalid(f"sync_duration_seconds: must be between 0 and {MAX_SYNC_SECONDS}.")
    integration = get_integration(session, integration_id)
    now = now or utc_now()
    data: dict[str, object] = {
        "sync_id": random_text(24),
        "sync_state": state,
        "sync_started_at": iso(now - timedelta(seconds=seconds)),
        "sync_ended_at": iso(now),
        "sync_duration_seconds": seconds,
        "integration_id": integration.id,
        "integration_tool": integration.tool,
        "integration_category": integration.category,
        "end_user": end_user(integration),
        "log_url": new_log_url(),
    }
    enqueue_webhook(session, webhooks, "sync-finished", data, now)
    return data
