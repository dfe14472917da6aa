"""`kombo_connect`: Kombo Connect's embedded flow as a Reflex component.

Wraps `showKomboConnect` from the npm package `@kombo-api/connect`. The link is
the trigger: give the component a Connect link (made on your backend with Kombo's
`POST /connect/create-link`) and the flow opens over the page; it reports once how
it ended. A new link closes the open flow and opens the new one; an empty link,
or the component leaving the page, closes it without a report.
"""

from __future__ import annotations

from typing import Any, ClassVar

import reflex as rx
from reflex.event import EventHandler, no_args_event_spec, passthrough_event_spec

NPM_PACKAGE = "@kombo-api/connect"
NPM_VERSION = "1.3.0"
"""The version of `@kombo-api/connect` installed unless a subclass says otherwise."""


class KomboConnect(rx.Component):
    """Opens Kombo Connect for `link`; fires on_success, on_close or on_error once per flow.

    To use another version of the npm package, subclass it::

        class NewerKomboConnect(KomboConnect):
            npm_version = "1.4.0"
    """

    library = "$/public" + rx.asset("kombo_connect.jsx", shared=True)
    tag = "KomboConnect"

    npm_version: ClassVar[str] = NPM_VERSION
    """The `@kombo-api/connect` version the app installs (pinned by default)."""

    link: rx.Var[str]
    """The Connect link to open. A new link opens a new flow (the open one closes);
    empty closes the open flow, which then reports nothing."""

    use_container: rx.Var[bool]
    """Put the flow's iframe inside this component's element instead of at the end of
    the page's body, for example inside a dialog that traps the focus. The rest of the
    page is then left as it is (not made inert)."""

    frame_title: rx.Var[str]
    """The flow's iframe's accessible name, what a screen reader announces."""

    return_focus_to: rx.Var[str]
    """A CSS selector: the element focused when the flow closes, read when it opens
    (give it tabindex -1 if it is not a control). Without it, or if it finds nothing,
    the focus goes back to where it was when the flow opened."""

    on_success: EventHandler[passthrough_event_spec(str)]
    """The flow finished: the activation token, for your backend to exchange with
    `GET /connect/integration-by-token/{token}`."""

    on_close: EventHandler[no_args_event_spec]
    """The user closed the flow without connecting."""

    on_error: EventHandler[passthrough_event_spec(str, str)]
    """The flow could not open or run: the error's name and message (for example
    `InvalidLinkError` for a link that is not a URL, or
    `KomboConnectAlreadyOpenError` when something else on the page holds a flow)."""

    @classmethod
    def create(cls, *children: Any, **props: Any) -> rx.Component:
        """The component, with `npm_version` of the npm package to install."""
        component = super().create(*children, **props)
        component.lib_dependencies = [f"{NPM_PACKAGE}@{cls.npm_version}"]
        return component


kombo_connect = KomboConnect.create
