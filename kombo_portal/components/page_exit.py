"""`PageExit`: leaves the page for a URL the backend chose, as a full page load.

The backend sets the URL in state; the component follows each new one::

    page_exit(href=State.exit_url, cookie=State.exit_cookie, order=State.exit_order,
              live=State.is_hydrated)

Unlike `rx.call_script` it needs no eval, so the page's Content-Security-Policy
can forbid it.
"""

from __future__ import annotations

import reflex as rx


class PageExit(rx.Component):
    library = "$/public" + rx.asset("page_exit.jsx", shared=True)
    tag = "PageExit"

    href: rx.Var[str]
    """Where to go."""

    cookie: rx.Var[str]
    """A `document.cookie` assignment to make first (empty: none)."""

    order: rx.Var[str]
    """A new value for each exit: the exit happens when it changes."""

    live: rx.Var[bool]
    """Whether the page is hydrated: the value held before that is never followed."""

    method: rx.Var[str]
    """"post": go by posting a form to `href` (for what changes something, such as
    signing out); else a plain page load."""


page_exit = PageExit.create
