"""`Ticker`: fires `on_tick` every `interval` milliseconds while the page is visible.

Pages use it to pick up changes made elsewhere (a webhook taken by another worker
or instance) without a websocket push from that process::

    ticker(interval=2000, on_tick=PageState.refresh)
"""

from __future__ import annotations

import reflex as rx
from reflex.event import EventHandler, no_args_event_spec


class Ticker(rx.Component):
    library = "$/public" + rx.asset("ticker.jsx", shared=True)
    tag = "Ticker"

    interval: rx.Var[int]
    """Milliseconds between ticks (at least 500)."""

    on_tick: EventHandler[no_args_event_spec]
    """Fires on each tick while the page is visible."""


ticker = Ticker.create
