"""`PageWatch`: fires `on_return` when the page comes back into view after being
hidden, or when `stale` turns true. Open pages get changes by push (state.live);
this catches what a push could not reach, without polling::

    page_watch(stale=PageState.stale, on_return=PageState.refresh)
"""

from __future__ import annotations

import reflex as rx
from reflex.event import EventHandler, no_args_event_spec


class PageWatch(rx.Component):
    library = "$/public" + rx.asset("page_watch.jsx", shared=True)
    tag = "PageWatch"

    stale: rx.Var[bool]
    """True when the server could not push a change to this page's state."""

    on_return: EventHandler[no_args_event_spec]
    """Fires when the page is visible again after being hidden, or turns stale."""


page_watch = PageWatch.create
