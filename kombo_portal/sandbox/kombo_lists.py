"""Kombo's own lists the sandbox checks input against, each copied from Kombo's
SDK into a data file next to this module that names its source (a test compares
them with the installed SDK): the tool ids create-link accepts and the model names
a `data-changed` webhook carries."""

from __future__ import annotations

import json
from pathlib import Path

_HERE = Path(__file__).parent


def _load(file_name: str, key: str) -> tuple[str, ...]:
    data = json.loads((_HERE / file_name).read_text(encoding="utf-8"))
    return tuple(data[key])


# PostConnectCreateLinkRequestBody.integration_tool (kombo_tools.json).
KOMBO_TOOL_IDS = _load("kombo_tools.json", "tool_ids")
# DataChangedWebhookPayload's ChangedModel.name (kombo_models.json).
KOMBO_MODEL_NAMES = _load("kombo_models.json", "model_names")

# `sync-finished`'s sync_state is a plain string in the SDK ("e.g. SUCCEEDED,
# FAILED"); these are the states Kombo's documentation names. The control endpoint
# that sends the webhook accepts only these, to catch typos in tests.
SYNC_STATES = ("SUCCEEDED", "PARTIALLY_FAILED", "FAILED", "AUTHENTICATION_FAILED")
