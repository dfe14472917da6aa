"""Chromium for the browser scenarios: started as the browser tests start it, signed in
through the page, its CPU profiler read by script."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from playwright.sync_api import Browser, CDPSession, Page, sync_playwright

from harness.chromium import CHROMIUM_ARGS, CHROMIUM_PATH

# A built chunk's name: Vite adds an 8-character content hash (which may start with "-").
HASHED_NAME = re.compile(r"^(?P<stem>.+)-[A-Za-z0-9_-]{8}(?P<extension>\.(?:js|css))$")
# The profiler's own categories of self time: the browser's native work (parsing and
# compiling scripts, style, layout, paint), waiting, collecting garbage.
PROFILER_CATEGORIES = ("(program)", "(idle)", "(garbage collector)")


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def sign_in(page: Page, base_url: str, email: str, password: str) -> None:
    page.goto(f"{base_url}/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def chunk_name(url: str) -> str:
    """`…/createLucideIcon-C_pazNbF.js?v=1` -> `createLucideIcon.js`: a file's name
    without Vite's content hash, to pair the same chunk across builds."""
    name = url.split("?", 1)[0].rsplit("/", 1)[-1] or "/"
    match = HASHED_NAME.match(name)
    return f"{match['stem']}{match['extension']}" if match else name


def start_cpu_profile(cdp: CDPSession) -> None:
    cdp.send("Profiler.enable")
    cdp.send("Profiler.setSamplingInterval", {"interval": 250})  # microseconds
    cdp.send("Profiler.start")


def stop_cpu_profile(cdp: CDPSession) -> dict[str, Any]:
    return cdp.send("Profiler.stop")["profile"]


def self_time(profile: dict[str, Any], origin: str) -> dict[str, float]:
    """Milliseconds of self time in a Chromium CPU profile, by the app's script (its
    chunk; the page's own address: its inline scripts) and the profiler's categories;
    natives called by scripts and other pages' scripts are "(other)"."""
    frames = {node["id"]: node["callFrame"] for node in profile["nodes"]}
    spent: dict[str, float] = {}
    for node_id, delta in zip(profile["samples"], profile["timeDeltas"], strict=True):
        frame = frames[node_id]
        if frame["url"].startswith(origin):
            name = chunk_name(frame["url"])
            key = name if name.endswith(".js") else "(inline scripts)"
        elif frame["functionName"] in PROFILER_CATEGORIES:
            key = frame["functionName"]
        else:
            key = "(other)"
        spent[key] = spent.get(key, 0.0) + delta / 1000
    return dict(sorted(spent.items(), key=lambda item: -item[1]))
