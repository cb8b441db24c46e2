"""A tiny receiver of Fluentd's forward protocol, to see what a service's log handler sends.

It speaks the receiving side of the protocol over TCP: msgpack arrays in Message mode
``[tag, time, record]``, Forward mode ``[tag, [[time, record], ...]]`` and PackedForward mode
``[tag, <msgpack stream of [time, record]>]``, each with an optional options map. Acks are not
sent (fluent-logger's handler never asks for them), and anything else is a protocol error that
fails the test. Times may be integers or EventTime (ext type 0); they are kept as float seconds.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import msgpack

from tests.support.waiting import wait_for

ACCEPT_POLL_SECONDS = 0.1


@dataclass(frozen=True)
class Event:
    tag: str
    time: float
    record: dict[str, Any]
    # Which TCP connection brought it: the receiver numbers them 0, 1, ... as it accepts them.
    connection: int = 0


class ForwardReceiver:
    """Listens on 127.0.0.1 (a free port unless one is given) until ``close``."""

    def __init__(self, port: int = 0) -> None:
        self._listener = socket.create_server(("127.0.0.1", port))
        self._listener.settimeout(ACCEPT_POLL_SECONDS)
        self.port: int = self._listener.getsockname()[1]
        self._events: list[Event] = []
        self._errors: list[str] = []
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._threads = [threading.Thread(target=self._accept, daemon=True)]
        self._threads[0].start()

    def events(self) -> list[Event]:
        """Every event received so far, in order of arrival; fails on any protocol error seen."""
        with self._lock:
            assert not self._errors, f"forward protocol errors: {self._errors}"
            return list(self._events)

    def wait_for(
        self, what: str, match: Callable[[Event], bool], timeout: float = 20
    ) -> list[Event]:
        """The events ``match`` accepts, once there is at least one."""
        return wait_for(lambda: [e for e in self.events() if match(e)], timeout, what)

    def close(self) -> None:
        self._closed.set()
        self._listener.close()
        for thread in list(self._threads):
            thread.join(timeout=5)

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:  # closed
                return
            number = len(self._threads) - 1
            thread = threading.Thread(target=self._read, args=(connection, number), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _read(self, connection: socket.socket, number: int) -> None:
        unpacker = msgpack.Unpacker(ext_hook=_event_time, raw=False, strict_map_key=False)
        connection.settimeout(ACCEPT_POLL_SECONDS)
        with connection:
            while not self._closed.is_set():
                try:
                    data = connection.recv(65536)
                except TimeoutError:
                    continue
                if not data:
                    return
                unpacker.feed(data)
                for message in unpacker:
                    self._receive(message, number)

    def _receive(self, message: Any, connection: int) -> None:
        try:
            events = [replace(event, connection=connection) for event in _events(message)]
        except (TypeError, ValueError) as exc:
            with self._lock:
                self._errors.append(f"{exc}: {message!r:.200}")
            return
        with self._lock:
            self._events.extend(events)


def _events(message: Any) -> Iterator[Event]:
    if not isinstance(message, list) or len(message) not in (2, 3, 4):
        raise ValueError("not a forward protocol array")
    tag, entries = message[0], message[1]
    if not isinstance(tag, str):
        raise TypeError("the tag is not a string")
    if isinstance(entries, (int, float)):  # Message mode: [tag, time, record, options?]
        yield _event(tag, entries, message[2])
    elif isinstance(entries, list):  # Forward mode: [tag, [[time, record], ...], options?]
        for time, record in entries:
            yield _event(tag, time, record)
    elif isinstance(entries, bytes):  # PackedForward: [tag, msgpack stream, options?]
        packed = msgpack.Unpacker(ext_hook=_event_time, raw=False)
        packed.feed(entries)
        for time, record in packed:
            yield _event(tag, time, record)
    else:
        raise TypeError("unknown forward protocol mode")


def _event(tag: str, time: Any, record: Any) -> Event:
    if not isinstance(time, (int, float)) or not isinstance(record, dict):
        raise TypeError("an entry is not [time, record-map]")
    return Event(tag, float(time), record)


def _event_time(code: int, data: bytes) -> Any:
    """EventTime (ext type 0): big-endian seconds and nanoseconds."""
    if code != 0 or len(data) != 8:
        return msgpack.ExtType(code, data)
    seconds, nanoseconds = struct.unpack(">II", data)
    return seconds + nanoseconds / 1e9


@contextlib.contextmanager
def forward_receiver(port: int = 0) -> Iterator[ForwardReceiver]:
    receiver = ForwardReceiver(port)
    try:
        yield receiver
    finally:
        receiver.close()
