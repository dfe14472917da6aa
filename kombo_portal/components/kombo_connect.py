"""`KomboConnect`: Kombo Connect's embedded flow as a Reflex component.

Wraps `showKomboConnect` from the npm package `@kombo-api/connect` (pinned). Set
`link` to a Connect link to open the flow over the page; the component reports
how it ended and knows nothing else about the app.

Example::

    class ConnectState(rx.State):
        link: str = ""

        @rx.event
        def start(self):
            self.link = create_link_on_the_server()

        @rx.event
        def done(self, activation_token: str):
            self.link = ""
            exchange_on_the_server(activation_token)

        @rx.event
        def closed(self):
            self.link = ""

        @rx.event
        def failed(self, name: str, message: str):
            self.link = ""


    kombo_connect(
        link=ConnectState.link,
        on_success=ConnectState.done,
        on_cancel=ConnectState.closed,
        on_error=ConnectState.failed,
    )

While the flow is open the rest of the page is inert; the iframe gets
`frame_title` and the focus, and `return_focus_to` gets it back afterwards.

Each link opens at most once (also under React StrictMode and websocket
reconnects); clear `link` when the flow ends so the next link can open. A flow
already open is left alone rather than reported as an error.
"""

from __future__ import annotations

import reflex as rx
from reflex.event import EventHandler, no_args_event_spec, passthrough_event_spec

KOMBO_CONNECT_PACKAGE = "@kombo-api/connect@1.3.0"


class KomboConnect(rx.Component):
    """Opens Kombo Connect for `link`; fires on_success, on_cancel or on_error once per link."""

    library = "$/public" + rx.asset("kombo_connect.jsx", shared=True)
    lib_dependencies: list[str] = [KOMBO_CONNECT_PACKAGE]  # noqa: RUF012 (Reflex's field)
    tag = "KomboConnect"

    link: rx.Var[str]
    """The Connect link to open; empty: nothing open."""

    use_container: rx.Var[bool]
    """Put the flow's iframe inside this component's element instead of the page's body
    (for example inside a dialog that traps focus). Removing the element cancels the flow."""

    frame_title: rx.Var[str]
    """The flow's iframe's accessible name (what a screen reader announces)."""

    return_focus_to: rx.Var[str]
    """A CSS selector: the element to focus when the flow closes, read when it opens
    (give it tabindex -1 if it is not a control)."""

    on_success: EventHandler[passthrough_event_spec(str)]
    """The flow finished: the activation token, for the server to exchange."""

    on_cancel: EventHandler[no_args_event_spec]
    """The user closed the flow."""

    on_error: EventHandler[passthrough_event_spec(str, str)]
    """The flow could not run: the error's name and message."""


kombo_connect = KomboConnect.create
