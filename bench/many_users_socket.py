"""A minimal Socket.IO client for the many-users benchmark: one browser tab's websocket
to Reflex's `/_event`, speaking what socket.io-client does (Engine.IO 4, websocket
transport only). socket.io-client takes the namespace from the URL's path, so the
page talks on namespace `/_event` at socket.io path `/_event/`, and so does this.

Why not python-socketio's AsyncClient: it needs aiohttp for its transport, which is
not among the project's packages. wsproto is (it comes with Reflex's websocket
server), and the part of the protocol a Reflex page uses is small: open, the
namespace CONNECT with the hydrate event in its auth, "event" messages both ways,
and answering the server's pings.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any
from urllib.parse import urlencode, urlsplit

from wsproto import ConnectionType, WSConnection
from wsproto.events import CloseConnection, Event, Ping, RejectConnection, Request, TextMessage
from wsproto.utilities import LocalProtocolError

NAMESPACE = "/_event"
# Engine.IO packet types (a text frame's first character), then Socket.IO's (the next).
EIO_OPEN, EIO_CLOSE, EIO_PING, EIO_PONG, EIO_MESSAGE = "0", "1", "2", "3", "4"
SIO_CONNECT, SIO_DISCONNECT, SIO_EVENT, SIO_CONNECT_ERROR = "0", "1", "2", "4"
PREFIX = f"{NAMESPACE},"  # what the client's packets start with after their type


class SocketClosed(ConnectionError):
    """The server closed the websocket or refused the namespace connect."""


class ReflexSocket:
    """One tab's connection. `updates` receives the payload of every "event" message
    (Reflex's state updates: {"delta": ..., "events": [...]}); None once closed."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader, self._writer = reader, writer
        self._ws = WSConnection(ConnectionType.CLIENT)
        self._connected: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._reading: asyncio.Task[None] | None = None
        self._text: list[str] = []  # fragments of a text message not yet complete
        self.updates: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self.closed = False

    @classmethod
    async def connect(
        cls,
        base_url: str,
        *,
        query: dict[str, str],
        headers: dict[str, str],
        auth: dict[str, Any],
        subprotocols: list[str],
        timeout: float,
    ) -> ReflexSocket:
        """Open the websocket and connect the namespace with `auth` (what socket.io-client
        sends in its CONNECT packet); returns once the server accepted."""
        parts = urlsplit(base_url)
        connection = asyncio.open_connection(parts.hostname, parts.port or 80)
        socket = cls(*await asyncio.wait_for(connection, timeout))
        try:
            # engine.io-client adds the trailing slash and its own two parameters.
            parameters = urlencode({**query, "EIO": "4", "transport": "websocket"})
            extra_headers = [(k.encode(), v.encode()) for k, v in headers.items()]
            target = f"{NAMESPACE}/?{parameters}"
            socket._send(
                Request(
                    host=parts.netloc,
                    target=target,
                    extra_headers=extra_headers,
                    subprotocols=subprotocols,
                )
            )
            await socket._writer.drain()
            socket._reading = asyncio.create_task(socket._read_loop(auth))
            await asyncio.wait_for(asyncio.shield(socket._connected), timeout)
        except BaseException:
            await socket.close()
            raise
        return socket

    async def emit_event(self, data: dict[str, Any]) -> None:
        """A Socket.IO "event" message, as Reflex's applyEvent sends it."""
        if self.closed:
            raise SocketClosed("the websocket is closed")
        try:
            self._text_frame(EIO_MESSAGE + SIO_EVENT + PREFIX + _json(["event", data]))
        except LocalProtocolError as error:  # the server is closing it
            raise SocketClosed(str(error)) from None
        await self._writer.drain()

    async def close(self) -> None:
        if not self.closed:
            self.closed = True
            with contextlib.suppress(Exception):  # a server already gone needs no goodbye
                self._text_frame(EIO_MESSAGE + SIO_DISCONNECT + PREFIX)
                self._send(CloseConnection(code=1000))
                await self._writer.drain()
        if self._reading is not None and self._reading is not asyncio.current_task():
            self._reading.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reading
        self._writer.close()
        with contextlib.suppress(OSError):
            await self._writer.wait_closed()

    def _send(self, event: Event) -> None:
        self._writer.write(self._ws.send(event))

    def _text_frame(self, text: str) -> None:
        self._send(TextMessage(data=text))

    async def _read_loop(self, auth: dict[str, Any]) -> None:
        try:
            while True:
                data = await self._reader.read(65536)
                self._ws.receive_data(data or None)
                for event in self._ws.events():
                    if isinstance(event, RejectConnection):
                        raise SocketClosed(f"websocket refused with HTTP {event.status_code}")
                    if isinstance(event, CloseConnection):
                        raise SocketClosed(f"websocket closed by the server ({event.code})")
                    if isinstance(event, Ping):
                        self._send(event.response())
                    elif isinstance(event, TextMessage):
                        self._text.append(event.data)
                        if event.message_finished:
                            text, self._text = "".join(self._text), []
                            self._engine_packet(text, auth)
                await self._writer.drain()
                if not data:
                    raise SocketClosed("connection closed by the server")
        except (SocketClosed, OSError, asyncio.IncompleteReadError) as error:
            if not self._connected.done():
                self._connected.set_exception(SocketClosed(str(error)))
        finally:
            self.closed = True
            self.updates.put_nowait(None)

    def _engine_packet(self, text: str, auth: dict[str, Any]) -> None:
        kind, body = text[:1], text[1:]
        if kind == EIO_OPEN:
            # The namespace CONNECT, carrying Reflex's hydrate event (see state.js connect).
            self._text_frame(EIO_MESSAGE + SIO_CONNECT + PREFIX + _json(auth))
        elif kind == EIO_PING:
            self._text_frame(EIO_PONG + body)
        elif kind == EIO_CLOSE:
            raise SocketClosed("closed by the server")
        elif kind == EIO_MESSAGE:
            # A packet of the page's namespace names it: "2/_event,[...]", "1/_event".
            namespace, _, data = body[1:].partition(",")
            if namespace == NAMESPACE:
                self._socket_packet(body[:1], data)

    def _socket_packet(self, kind: str, body: str) -> None:
        if kind == SIO_CONNECT and not self._connected.done():
            self._connected.set_result(None)
        elif kind == SIO_CONNECT_ERROR:
            error = SocketClosed(f"namespace connect refused: {body[:300]}")
            if not self._connected.done():
                self._connected.set_exception(error)
            raise error
        elif kind == SIO_DISCONNECT:
            raise SocketClosed("disconnected by the server")
        elif kind == SIO_EVENT:
            # An optional ack id precedes the JSON array; Reflex sends none.
            name, *args = json.loads(body[body.index("[") :])
            if name == "event" and args:
                self.updates.put_nowait(args[0])


def _json(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))
