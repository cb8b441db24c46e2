"""Deadlines and refusals for connections that do not finish what they started.

A client without a token must not be able to hold the web's sockets for ever, so:

- HTTP: a request's line and headers must all arrive within ``HEADER_TIMEOUT_SECONDS`` of the
  server starting to wait for them (which also ends an idle keep-alive connection), and no single
  read or write on a connection may wait longer than ``SOCKET_TIMEOUT_SECONDS`` (a half-open peer).
- Socket.IO: an Engine.IO connection that has not connected to the default namespace (where the
  token is checked) within ``JOIN_TIMEOUT_SECONDS`` is closed; so is one that sends a packet that
  does not decode (say, a lone surrogate in ``auth``), with one warning and no traceback.
"""

from __future__ import annotations

import logging
from typing import Any

import eventlet
import eventlet.greenio
import eventlet.patcher
import eventlet.wsgi
import socketio

log = logging.getLogger(__name__)

HEADER_TIMEOUT_SECONDS = 15.0
SOCKET_TIMEOUT_SECONDS = (
    60.0  # above Socket.IO's 25 s ping interval: a live WebSocket reads by then
)
JOIN_TIMEOUT_SECONDS = 10.0
# The request line's longest: eventlet's 8 KiB default refused (414, undocumented) a search of
# 1,000 characters that are 4 bytes each in UTF-8, 12 in the URL (12,000 bytes): the API refuses
# a longer `q` itself, with a 400 that says so.
URL_LENGTH_LIMIT = 32 * 1024


class HeaderDeadlineProtocol(eventlet.wsgi.HttpProtocol):
    """eventlet's HTTP protocol with a deadline on each request's line and headers.

    eventlet's own ``socket_timeout`` bounds each read, so a client sending a byte a second
    (slowloris) would hold its connection for ever; this bounds the whole header phase.
    """

    def handle_one_request(self) -> None:
        # eventlet's server closes a connection quietly on socket.timeout.
        self._deadline = eventlet.Timeout(
            HEADER_TIMEOUT_SECONDS, TimeoutError("request headers took too long")
        )
        try:
            super().handle_one_request()
        finally:
            self._deadline.cancel()

    def parse_request(self) -> bool:
        try:
            return bool(super().parse_request())
        finally:
            self._deadline.cancel()  # the headers are in; the body and the app have no deadline


def listener(fd: int) -> eventlet.greenio.GreenSocket:
    """The listening socket the web serves on: its own, or the one its processes share (several
    processes waiting on one socket: the kernel wakes them all and the first free one accepts).
    """
    return eventlet.greenio.GreenSocket(eventlet.patcher.original("socket").socket(fileno=fd))


def server_options() -> dict[str, Any]:
    """Keyword arguments for ``eventlet.wsgi.server``."""
    return {
        "protocol": HeaderDeadlineProtocol,
        "socket_timeout": SOCKET_TIMEOUT_SECONDS,
        "url_length_limit": URL_LENGTH_LIMIT,
    }


def guard_socketio(server: socketio.Server) -> None:
    """Close Engine.IO connections that never join the namespace or send undecodable packets."""
    eio = server.eio
    on_connect, on_message = eio.handlers["connect"], eio.handlers["message"]

    def connected(eio_sid: str, environ: dict[str, Any]) -> object:
        server.start_background_task(_close_unless_joined, server, eio_sid)
        return on_connect(eio_sid, environ)

    def message(eio_sid: str, data: object) -> object:
        try:
            return on_message(eio_sid, data)
        except ValueError as exc:  # orjson.JSONDecodeError, an unknown packet type, ...
            log.warning("closing Socket.IO connection %s: bad packet: %s", eio_sid, exc)
            _close(server, eio_sid)
            return None

    eio.on("connect", connected)
    eio.on("message", message)


def _close_unless_joined(server: socketio.Server, eio_sid: str) -> None:
    server.sleep(JOIN_TIMEOUT_SECONDS)
    if server.manager.sid_from_eio_sid(eio_sid, "/") is None:
        # Engine.IO's public disconnect: a no-op for a connection that has gone meanwhile.
        log.info(
            "closing Socket.IO connection %s unless gone: it never joined the namespace", eio_sid
        )
        server.eio.disconnect(eio_sid)


def _close(server: socketio.Server, eio_sid: str) -> None:
    # Engine.IO's disconnect waits until the connection's writer has taken its close packet; in a
    # task of its own, so that a peer that stopped reading holds neither this reader nor others.
    server.start_background_task(server.eio.disconnect, eio_sid)
