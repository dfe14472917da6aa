"""The sandbox's Connect flow page: what the link opens inside `showKomboConnect`'s iframe
(its setup steps' pages are in sandbox.setup_pages).

Plain server-rendered HTML forms, so it works with the keyboard and a screen
reader; one small script (assets/flow.js) tells the parent window the outcome
with the same messages Kombo's page sends: `{"type":"success","data":
{"activation_token":...}}` or `{"type":"close"}`.
"""

from __future__ import annotations

from html import escape

from kombo_portal.sandbox.catalogue import (
    CATEGORY_NAMES,
    TEXTS,
    TOOLS_BY_CATEGORY,
    SandboxTool,
)
from kombo_portal.sandbox.models import SandboxLink

STYLE = """
:root { color-scheme: light dark; --accent: #3e63dd; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, sans-serif; background: rgba(0, 0, 0, .45);
  min-height: 100vh; display: grid; place-items: center; padding: 16px; }
main { background: Canvas; color: CanvasText; border-radius: 12px; width: min(440px, 100%);
  padding: 24px; box-shadow: 0 12px 40px rgba(0, 0, 0, .3); position: relative; }
h1 { font-size: 1.3rem; margin: 0 40px 8px 0; }
p { margin: 0 0 16px; }
.note { font-size: .85rem; opacity: .75; margin-top: 16px; }
.step { font-size: .85rem; font-weight: 600; margin: 0 0 4px; }
.tools { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; }
button, .button { font: inherit; border-radius: 8px; padding: 10px 14px; cursor: pointer;
  border: 1px solid rgba(127, 127, 127, .5); background: Canvas; color: CanvasText; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; width: 100%; }
button:focus-visible, input:focus-visible, select:focus-visible {
  outline: 3px solid var(--accent); outline-offset: 2px; }
.tool { display: flex; align-items: center; gap: 8px; text-align: left; }
.tool img { width: 24px; height: 24px; }
label { display: block; font-weight: 600; margin: 12px 0 4px; }
input, select { font: inherit; width: 100%; padding: 8px 10px; border-radius: 8px;
  border: 1px solid rgba(127, 127, 127, .6); background: Canvas; color: CanvasText; }
.actions { margin-top: 20px; display: flex; gap: 8px; }
.error { border-left: 4px solid #e5484d; padding: 8px 12px; background: rgba(229, 72, 77, .12); }
.close { position: absolute; top: 16px; right: 16px; }
"""


def page(language: str, title: str, body: str) -> str:
    return f"""<!doctype html>
<html lang="{escape(language)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<link rel="stylesheet" href="assets/flow.css">
<script src="assets/flow.js"></script>
</head>
<body>
<main aria-labelledby="flow-title">
{body}
</main>
</body>
</html>
"""


def texts_for(language: str) -> dict[str, str]:
    return TEXTS.get(language, TEXTS["en"])


def close_button(texts: dict[str, str]) -> str:
    return (
        f'<button type="button" class="close" data-close aria-label="{escape(texts["close"])}">'
        '<span aria-hidden="true">✕</span></button>'
    )


def title_for(link: SandboxLink, tool: SandboxTool | None) -> str:
    texts = texts_for(link.language)
    if link.purpose == "relink" and tool:
        return texts["reconnect"].format(tool=tool.label)
    if (link.purpose == "setup" or link.setup_step) and tool:
        return texts["setup"].format(tool=tool.label)
    category = CATEGORY_NAMES.get(link.language, CATEGORY_NAMES["en"])[link.category]
    return texts["title"].format(category=category)


def choose_tool_page(link: SandboxLink) -> str:
    texts = texts_for(link.language)
    buttons = "\n".join(
        f'<button type="submit" class="tool" name="tool" value="{escape(tool.id)}">'
        f'<img src="assets/tools/{escape(tool.id)}.svg" alt="">{escape(tool.label)}</button>'
        for tool in TOOLS_BY_CATEGORY[link.category]
    )
    title = title_for(link, None)
    body = f"""{close_button(texts)}
<h1 id="flow-title">{escape(title)}</h1>
<p>{escape(texts["choose"])}</p>
<form method="get" action="connect">
<input type="hidden" name="token" value="{escape(link.token)}">
<div class="tools">
{buttons}
</div>
</form>
<p class="note">{escape(texts["sandbox_note"])}</p>"""
    return page(link.language, title, body)


def credentials_page(
    link: SandboxLink, tool: SandboxTool, *, error: str | None = None, username: str = ""
) -> str:
    texts = texts_for(link.language)
    title = title_for(link, tool)
    heading = title if link.purpose != "connect" else texts["sign_in"].format(tool=tool.label)
    alert = f'<p class="error" role="alert" tabindex="-1">{escape(error)}</p>' if error else ""
    back = (
        f'<a class="button" href="connect?token={escape(link.token)}">{escape(texts["back"])}</a>'
        if link.purpose == "connect" and not link.integration_tool
        else ""
    )
    body = f"""{close_button(texts)}
<h1 id="flow-title">{escape(heading)}</h1>
{alert}
<form method="post" action="connect">
<input type="hidden" name="token" value="{escape(link.token)}">
<input type="hidden" name="tool" value="{escape(tool.id)}">
<label for="username">{escape(texts["username"])}</label>
<input id="username" name="username" autocomplete="username" required value="{escape(username)}">
<label for="password">{escape(texts["password"])}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<div class="actions">{back}<button type="submit" class="primary">{escape(texts["connect"])}</button></div>
</form>
<p class="note">{escape(texts["sandbox_note"])}</p>"""
    return page(link.language, heading, body)


def connected_page(link: SandboxLink, tool: SandboxTool, activation_token: str) -> str:
    texts = texts_for(link.language)
    body = f"""{close_button(texts)}
<h1 id="flow-title">{escape(texts["connected"])}</h1>
<p role="status" data-activation-token="{escape(activation_token)}">
{escape(texts["connected_help"].format(tool=tool.label))}</p>"""
    return page(link.language, texts["connected"], body)


def unavailable_page(reason: str, language: str = "en") -> str:
    texts = texts_for(language)
    message = texts.get(f"{reason}_link", texts["unknown_link"])
    body = f"""<h1 id="flow-title">{escape(message)}</h1>
<div class="actions">
<button type="button" class="primary" data-close>{escape(texts["close"])}</button>
</div>"""
    return page(language, message, body)


FLOW_SCRIPT = """\
// Tells the window that opened this page (showKomboConnect's) how the flow ended,
// with the messages Kombo's own page sends. Loaded from <head> without `defer` so
// its listeners exist before any button is shown: a Close clicked at once must not
// be lost.
(function () {
  function tell(message) { window.parent.postMessage(message, "*"); }
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-close]")) tell({ type: "close" });
  });
  // Escape closes the flow, as it closes any dialog (not while a select is open).
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && document.querySelector("[data-close]") &&
        !(event.target instanceof HTMLSelectElement)) tell({ type: "close" });
  });
  document.addEventListener("DOMContentLoaded", function () {
    var done = document.querySelector("[data-activation-token]");
    if (done) {
      tell({ type: "success", data: { activation_token: done.dataset.activationToken } });
    }
    var first = document.querySelector(
      "[role=alert], input:not([type=hidden]), select, .tools button");
    if (first && first.focus) first.focus();
  });
})();
"""


def tool_logo_svg(tool: SandboxTool) -> str:
    initial = escape(tool.label[:1].upper())
    return f"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32" role="img" \
aria-label="{escape(tool.label)}">
<rect width="32" height="32" rx="8" fill="{escape(tool.colour)}"/>
<text x="16" y="22" font-family="system-ui, sans-serif" font-size="17" font-weight="700" \
text-anchor="middle" fill="#fff">{initial}</text>
</svg>
"""
