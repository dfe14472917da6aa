"""React's complaints in the browser, seen on every page the browser tests open: a
browser test fails when React logged an error or a warning, or a script threw.

In development React checks what it renders (HTML nesting, list keys, props) and
logs what it finds with console.error; in production it logs only what breaks, and
reports a failed hydration or render as an uncaught error (minified, with a
react.dev link). A test that passes while React complains hides a bug that shows
later: an invalid nesting is a hydration error in waiting.

Of the console, only React's messages fail every test. Other console errors are
the point of some tests, and left to the tests that want none (record_problems in
test_smoke): resources answered 4xx (the sandbox's 422 to the password "fail", 404
for an unknown link), Content-Security-Policy refusals, a websocket closed as its
page closes. Uncaught exceptions all fail: no test provokes one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Error, Page

# React 19's messages, as the console has them (the format string, then its
# arguments): DOM nesting, hydration, keys, props, state updates; React 18's start
# with "Warning:". Production's are minified, with a link to React's error decoder.
REACT_MESSAGE = re.compile(
    r"^Warning: "
    r"|cannot be a (?:descendant|child) of|cannot contain a nested|validateDOMNesting"
    r"|[Hh]ydrat"
    r"|unique \"key\" prop|two children with the same key"
    r"|\bReact\b"
    r"|react\.dev/errors/|reactjs\.org/docs/error-decoder"
    r"|non-boolean attribute|Invalid DOM property|Unknown event handler property"
    r"|incorrect casing|A component is changing an? (?:un)?controlled"
    r"|Cannot update a component|Maximum update depth exceeded"
)
# Development serves react-dom as a module of its own: whatever it logs is React's.
REACT_SOURCE = re.compile(r"/react-dom[\w.-]*\.js(?:\?|$)")
PROBLEM_TYPES = ("error", "warning")
MAX_SHOWN = 2_000  # characters of one message in a failure: React's carry a component stack


def is_react_problem(message: ConsoleMessage) -> bool:
    if message.type not in PROBLEM_TYPES:
        return False
    source = message.location.get("url", "") if message.location else ""
    return bool(REACT_MESSAGE.search(message.text) or REACT_SOURCE.search(source))


class ReactConsole:
    """Records React's errors and warnings, and uncaught exceptions, on the pages of
    every context the browser opens once watched; `take` hands over those not yet
    handed over."""

    def __init__(self) -> None:
        self._problems: list[str] = []
        self._restore: Callable[[], None] | None = None

    def watch(self, browser: Browser) -> None:
        new_context, new_page = browser.new_context, browser.new_page

        def watched_context(*args: Any, **kwargs: Any) -> BrowserContext:
            context = new_context(*args, **kwargs)
            context.on("console", self._record)
            context.on("weberror", lambda error: self._record_uncaught(error.page, error.error))
            return context

        def watched_page(*args: Any, **kwargs: Any) -> Page:
            page = new_page(*args, **kwargs)
            page.on("console", self._record)
            page.on("pageerror", lambda error: self._record_uncaught(page, error))
            return page

        # On this one Browser object: the tests ask it for their contexts themselves.
        browser.new_context = watched_context
        browser.new_page = watched_page

        def restore() -> None:
            del browser.new_context, browser.new_page

        self._restore = restore

    def stop(self) -> None:
        if self._restore is not None:
            self._restore()
            self._restore = None

    def take(self) -> list[str]:
        problems, self._problems = self._problems, []
        return problems

    def fail_on_problems(self) -> None:
        """Fails the test if React complained, or a script threw, since the last look."""
        if problems := self.take():
            complaints = "\n\n".join(problems)
            pytest.fail(f"React complained, or a script threw:\n\n{complaints}", pytrace=False)

    def _record(self, message: ConsoleMessage) -> None:
        if is_react_problem(message):
            where = message.page.url if message.page else "a worker"
            self._problems.append(f"{message.type} on {where}: {message.text[:MAX_SHOWN]}")

    def _record_uncaught(self, page: Page | None, error: Error) -> None:
        where = page.url if page else "a worker"
        thrown = error.stack or f"{error.name}: {error.message}"
        self._problems.append(f"uncaught exception on {where}: {thrown[:MAX_SHOWN]}")
