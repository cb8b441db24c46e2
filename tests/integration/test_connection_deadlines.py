"""Connections that never finish their request or handshake are closed; bad packets are refused."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator

import pytest
import websocket

from tests.support.socketclient import InOrderClient
from tests.support.stack import Stack, running_stack

USER = "user-token-0123456789abcdef0123456789"
SYNC = "sync-token-0123456789abcdef0123456789"
CLOSED_WITHIN = 60.0  # generous: the deadlines are 10-15 s


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    env = {"JOBLOOK_AUTH": "token", "JOBLOOK_TOKEN": USER, "JOBLOOK_SYNC_TOKEN": SYNC}
    with running_stack(tmp_path_factory.mktemp("deadlines"), extra_env=env) as stack:
        yield stack


def _closed_by_server(sock: socket.socket, deadline: float) -> bool:
    """Reads (discarding) until the server closes; False if it is still open at the deadline."""
    while time.monotonic() < deadline:
        sock.settimeout(max(0.1, deadline - time.monotonic()))
        try:
            if not sock.recv(4096):
                return True
        except TimeoutError:
            return False
        except ConnectionResetError:
            return True
    return False


def _engineio_socket(stack: Stack) -> websocket.WebSocket:
    url = f"ws://127.0.0.1:{stack.web_port}/socket.io/?EIO=4&transport=websocket"
    ws = websocket.create_connection(url, timeout=10)
    assert ws.recv().startswith("0{")  # Engine.IO's open packet
    return ws


def _close(ws: websocket.WebSocket) -> None:
    with contextlib.suppress(Exception):
        ws.close()
    ws.shutdown()  # close() skips the socket once the server has closed the connection


def _ws_closed_by_server(ws: websocket.WebSocket, deadline: float) -> bool:
    while time.monotonic() < deadline:
        ws.settimeout(max(0.1, deadline - time.monotonic()))
        try:
            opcode, data = ws.recv_data()
        except websocket.WebSocketTimeoutException:
            return False
        except (websocket.WebSocketConnectionClosedException, ConnectionError):
            return True
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            return True
        if data == b"2":
            ws.send("3")  # answer Engine.IO pings: alive, just never joining the namespace
    return False


def test_sockets_that_never_finish_their_headers_are_closed(secured: Stack) -> None:
    sockets = [
        socket.create_connection(("127.0.0.1", secured.web_port), timeout=10) for _ in range(50)
    ]
    drip = sockets[0]
    try:
        for sock in sockets:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        deadline = time.monotonic() + CLOSED_WITHIN
        # One of them drips a header byte a second, which a per-read timeout alone would allow.
        dripped_until_closed = False
        for _ in range(int(CLOSED_WITHIN)):
            try:
                drip.sendall(b"X")
            except OSError:
                dripped_until_closed = True
                break
            if _closed_by_server(drip, time.monotonic() + 1):
                dripped_until_closed = True
                break
        assert dripped_until_closed
        still_open = [s for s in sockets[1:] if not _closed_by_server(s, deadline)]
        assert still_open == []
    finally:
        for sock in sockets:
            sock.close()


def test_engineio_connections_that_never_join_the_namespace_are_closed(secured: Stack) -> None:
    idle = [_engineio_socket(secured) for _ in range(50)]
    member = InOrderClient(reconnection=False)
    member.connect(
        secured.base_url, auth={"token": USER}, transports=["websocket"], wait_timeout=10
    )
    try:
        deadline = time.monotonic() + CLOSED_WITHIN
        try:
            still_open = [ws for ws in idle if not _ws_closed_by_server(ws, deadline)]
        finally:
            for ws in idle:
                _close(ws)
        assert still_open == []
        assert member.connected  # a client that joined is left alone
    finally:
        member.disconnect()


def test_a_lone_surrogate_in_auth_is_refused_and_closed_without_a_traceback(
    secured: Stack,
) -> None:
    log_before = secured.web.log_path.read_text(errors="replace")
    ws = _engineio_socket(secured)
    try:
        ws.send('40{"token":"\\ud800"}')
        assert _ws_closed_by_server(ws, time.monotonic() + 10)
    finally:
        _close(ws)
    new_log = secured.web.log_path.read_text(errors="replace")[len(log_before) :]
    assert "Traceback" not in new_log
    assert "bad packet" in new_log


def test_a_wrong_token_is_refused_and_its_connection_closed(secured: Stack) -> None:
    ws = _engineio_socket(secured)
    try:
        ws.send('40{"token":"not-the-token"}')
        ws.settimeout(10)
        assert ws.recv().startswith("44")  # Socket.IO's CONNECT_ERROR
        assert _ws_closed_by_server(ws, time.monotonic() + CLOSED_WITHIN)
    finally:
        _close(ws)
