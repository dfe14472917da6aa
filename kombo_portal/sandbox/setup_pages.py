"""The flow page's setup steps (sandbox.setup_steps): an employee filter and a field
mapping, each a plain form with labelled inputs, prefilled with the integration's
current choice (a setup link opened again changes it)."""

from __future__ import annotations

from html import escape

from kombo_portal.sandbox.catalogue import SandboxTool
from kombo_portal.sandbox.flow_page import close_button, page, texts_for, title_for
from kombo_portal.sandbox.models import SandboxIntegration, SandboxLink
from kombo_portal.sandbox.setup_steps import (
    FILTER_SCOPES,
    FILTERING,
    MAPPING_TARGETS,
    MAX_FILTER_VALUE,
    SOURCE_FIELDS,
    Choice,
    integration_steps,
    step_after,
    stored_choice,
)


def setup_step_page(
    link: SandboxLink,
    tool: SandboxTool,
    integration: SandboxIntegration,
    *,
    error: str | None = None,
    entered: Choice | None = None,
) -> str:
    """The page of the link's current step; `entered` keeps what a refused form held."""
    texts = texts_for(link.language)
    step = link.setup_step or FILTERING
    steps = integration_steps(integration)
    choice = entered if entered is not None else stored_choice(integration, step)
    title = title_for(link, tool)
    if step == FILTERING:
        heading, fields = texts["filter_step"], _filter_fields(texts, choice)
        help_text = texts["filter_help"]
    else:
        heading, fields = texts["mapping_step"], _mapping_fields(texts, choice)
        help_text = texts["mapping_help"].format(tool=tool.label)
    number = steps.index(step) + 1 if step in steps else 1
    progress = texts["step_of"].format(step=number, steps=max(len(steps), 1))
    last = step_after(steps, step) is None
    submit = texts["finish_setup"] if last else texts["next"]
    alert = f'<p class="error" role="alert" tabindex="-1">{escape(error)}</p>' if error else ""
    body = f"""{close_button(texts)}
<h1 id="flow-title">{escape(title)}</h1>
<p class="step">{escape(progress)}: {escape(heading)}</p>
{alert}
<p>{escape(help_text)}</p>
<form method="post" action="connect">
<input type="hidden" name="token" value="{escape(link.token)}">
<input type="hidden" name="step" value="{escape(step)}">
{fields}
<div class="actions">
<button type="submit" class="primary">{escape(submit)}</button>
</div>
</form>"""
    return page(link.language, f"{title} · {heading}", body)


def _option(value: str, label: str, selected: object) -> str:
    mark = " selected" if value == (selected or "") else ""
    return f'<option value="{escape(value)}"{mark}>{escape(label)}</option>'


def _filter_fields(texts: dict[str, str], choice: Choice) -> str:
    scope = choice.get("scope") or "all"
    options = "\n".join(_option(name, texts[f"filter_{name}"], scope) for name in FILTER_SCOPES)
    value = choice.get("value") or ""
    return f"""<label for="scope">{escape(texts["filter_scope"])}</label>
<select id="scope" name="scope">
{options}
</select>
<label for="filter-value">{escape(texts["filter_value"])}</label>
<input id="filter-value" name="value" maxlength="{MAX_FILTER_VALUE}" value="{escape(value)}">"""


def _mapping_fields(texts: dict[str, str], choice: Choice) -> str:
    selects = []
    for target in MAPPING_TARGETS:
        chosen = choice.get(target)
        options = "\n".join(
            [
                _option("", texts["mapping_none"], chosen),
                *(_option(source, source, chosen) for source in SOURCE_FIELDS),
            ]
        )
        selects.append(
            f'<label for="map-{target}">{escape(texts[f"mapping_{target}"])}</label>\n'
            f'<select id="map-{target}" name="{target}">\n{options}\n</select>'
        )
    return "\n".join(selects)
