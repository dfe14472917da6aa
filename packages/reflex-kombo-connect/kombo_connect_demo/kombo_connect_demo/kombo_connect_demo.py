"""The component in a page: a Connect button, the flow, and what it reported.

The link comes from a stand-in for Kombo (`flow_page`), so the demo runs offline; in
your app, `start` calls Kombo's `POST /connect/create-link` on the backend (see the
package's README). The other buttons show how the link drives the component.
"""

import reflex as rx

from kombo_connect_demo.flow_page import FLOW_PATH, routes
from reflex_kombo_connect import kombo_connect


class DemoState(rx.State):
    link: str = ""
    shown: bool = True  # the component on the page (hiding it closes an open flow)
    flows: int = 0
    reports: list[str] = []  # noqa: RUF012 (Reflex's state field)

    def _new_link(self) -> str:
        self.flows += 1
        return f"{rx.config.get_config().api_url}{FLOW_PATH}?flow={self.flows}"

    @rx.event
    def start(self):
        self.link = self._new_link()

    @rx.event
    def replace_link(self):
        self.link = self._new_link()

    @rx.event
    def clear_link(self):
        self.link = ""

    @rx.event
    def open_bad_link(self):
        self.link = "not a link"

    @rx.event
    def toggle(self):
        self.shown = not self.shown

    @rx.event
    def connected(self, activation_token: str):
        self.link = ""
        self.reports.append(f"success {activation_token}")

    @rx.event
    def closed(self):
        self.link = ""
        self.reports.append("closed")

    @rx.event
    def failed(self, name: str, message: str):
        self.link = ""
        self.reports.append(f"error {name}")


def index() -> rx.Component:
    return rx.container(
        rx.el.main(
            rx.vstack(
                rx.heading("Kombo Connect in Reflex", as_="h1"),
                rx.hstack(
                    rx.button("Connect your HR system", id="connect", on_click=DemoState.start),
                    rx.button("Replace the link", id="replace", on_click=DemoState.replace_link),
                    rx.button("Clear the link", id="clear", on_click=DemoState.clear_link),
                    rx.button("Open a bad link", id="bad", on_click=DemoState.open_bad_link),
                    rx.button("Show or hide the component", id="toggle", on_click=DemoState.toggle),
                    wrap="wrap",
                ),
                rx.heading("What the flows reported", as_="h2", size="3"),
                rx.el.ol(rx.foreach(DemoState.reports, rx.el.li), id="reports"),
                rx.text("Component on the page: ", rx.cond(DemoState.shown, "yes", "no")),
            ),
            padding_y="6",
        ),
        rx.cond(
            DemoState.shown,
            kombo_connect(
                link=DemoState.link,
                frame_title="Connect your HR system",
                on_success=DemoState.connected,
                on_close=DemoState.closed,
                on_error=DemoState.failed,
            ),
        ),
    )


app = rx.App(api_transformer=routes)
app.add_page(index, title="Kombo Connect in Reflex")
