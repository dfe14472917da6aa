"""Kombo's setup steps in the sandbox's flow: the employee filter (HRIS only, as
Kombo's `enable_filtering`) and the field mapping (`enable_field_mapping`).

Which steps an integration has, in the order the flow shows them, and the choices
made in them: checked alike for the flow page's forms and the control endpoint,
stored on the integration as small JSON texts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from kombo_portal.sandbox.models import SandboxIntegration, SandboxLink

FILTERING = "filtering"
FIELD_MAPPING = "field_mapping"
STEP_ORDER = (FILTERING, FIELD_MAPPING)

FILTER_SCOPES = ("all", "active", "department", "legal_entity")
# The scopes that name one department or legal entity.
SCOPES_WITH_VALUE = ("department", "legal_entity")
MAX_FILTER_VALUE = 200
# The fields a mapping fills (Kombo's side), and the tool's fields offered for them.
MAPPING_TARGETS = ("employee_number", "cost_center")
SOURCE_FIELDS = (
    "personnel_number",
    "employee_id",
    "cost_center_code",
    "custom_field_1",
    "custom_field_2",
)

Choice = dict[str, str | None]


class StepInvalid(ValueError):
    """A choice that cannot be stored. `text_key` names the flow's words saying why
    (sandbox.catalogue.TEXTS), `field` the input at fault."""

    def __init__(self, text_key: str, field: str) -> None:
        super().__init__(f"{field}: {text_key}")
        self.text_key = text_key
        self.field = field


def enabled_steps(category: str, *, filtering: bool, field_mapping: bool) -> tuple[str, ...]:
    """The steps to show, in order. Kombo's SDK calls filtering "HRIS only" without
    saying that it refuses it elsewhere: another category simply has no filter step."""
    wanted = {FILTERING: filtering and category == "HRIS", FIELD_MAPPING: field_mapping}
    return tuple(step for step in STEP_ORDER if wanted[step])


def integration_steps(integration: SandboxIntegration) -> tuple[str, ...]:
    return enabled_steps(
        integration.category,
        filtering=integration.enable_filtering,
        field_mapping=integration.enable_field_mapping,
    )


def link_steps(link: SandboxLink) -> tuple[str, ...]:
    return enabled_steps(
        link.category, filtering=link.enable_filtering, field_mapping=link.enable_field_mapping
    )


def step_after(steps: tuple[str, ...], step: str) -> str | None:
    later = steps[steps.index(step) + 1 :] if step in steps else ()
    return later[0] if later else None


def employee_filter_choice(scope: object, value: object) -> Choice:
    """{"scope": one of FILTER_SCOPES, "value": the department or legal entity, or None}."""
    if scope not in FILTER_SCOPES:
        raise StepInvalid("choice_invalid", "scope")
    if scope not in SCOPES_WITH_VALUE:
        return {"scope": str(scope), "value": None}
    if not isinstance(value, str) or not value.strip():
        raise StepInvalid("filter_value_missing", "value")
    if len(value.strip()) > MAX_FILTER_VALUE:
        raise StepInvalid("filter_value_too_long", "value")
    return {"scope": str(scope), "value": value.strip()}


def field_mapping_choice(fields: Mapping[str, object]) -> Choice:
    """{target: a source field, or None for not mapped} for each of MAPPING_TARGETS;
    a target left out or empty is not mapped."""
    unknown = sorted(str(name) for name in fields if name not in MAPPING_TARGETS)
    if unknown:
        raise StepInvalid("choice_invalid", unknown[0])
    choice: Choice = {}
    for target in MAPPING_TARGETS:
        source = fields.get(target) or None
        if source is not None and source not in SOURCE_FIELDS:
            raise StepInvalid("choice_invalid", target)
        choice[target] = source if isinstance(source, str) else None
    return choice


def store_choice(integration: SandboxIntegration, step: str, choice: Choice) -> None:
    text = json.dumps(choice, sort_keys=True)
    if step == FILTERING:
        integration.employee_filter = text
    else:
        integration.field_mapping = text


def stored_choice(integration: SandboxIntegration, step: str) -> Choice:
    """What the step holds now (a setup link opened again shows it); empty if nothing."""
    text = integration.employee_filter if step == FILTERING else integration.field_mapping
    return json.loads(text) if text else {}
