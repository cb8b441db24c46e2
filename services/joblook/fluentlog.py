"""A service's own log records to Fluentd's forward input, through fluent-logger's handler.

Each record is a map: ``service``, ``host``, ``pid``, ``level``, ``logger`` and ``message`` (with
the traceback, if any), tagged ``joblook.service.<service>`` and timed to the nanosecond.

Fluentd being down never stops or crashes the service. A record that cannot be sent waits in
memory with the others (up to ``BUFFER_BYTES``; past that, all waiting records are dropped and
stderr says how many bytes). A retry thread sends what waits as soon as Fluentd answers again,
trying every ``RETRY`` wait; in between, a log call only adds to the buffer, so an unreachable
host costs one log call at most ``TIMEOUT_SECONDS`` per interval. The first failure of an outage
is reported on stderr too. What waits in memory is lost if the process dies before Fluentd is back.
The timeout does not cover resolving the host name: Docker's DNS answers at once, a slow resolver
elsewhere could hold a log call longer.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
import weakref
from typing import Any

from fluent import handler as fluent_handler
from fluent import sender as fluent_sender

from joblook.retry import Backoff

TAG_PREFIX = "joblook.service"
BUFFER_BYTES = 1024 * 1024  # fluent-logger's default, stated: what one outage may hold
RETRY = Backoff.fixed(5.0)
"""Between tries to reach Fluentd while it is away."""
TIMEOUT_SECONDS = 1.0


def tag(service: str) -> str:
    """The Fluentd tag of a service's own log records, e.g. ``joblook.service.web``."""
    return f"{TAG_PREFIX}.{service}"


def handler(service: str, host: str, port: int) -> logging.Handler:
    """A logging handler sending each record to Fluentd at ``host:port`` as a map."""
    fluentd = FluentdHandler(
        tag(service),
        host=host,
        port=port,
        timeout=TIMEOUT_SECONDS,
        bufmax=BUFFER_BYTES,
        # Fluentd's EventTime: the record's own time to the nanosecond, not whole seconds.
        nanosecond_precision=True,
        buffer_overflow_handler=lambda pending: _say(
            f"Fluentd at {host}:{port} away too long: dropped {len(pending)} bytes of log records"
        ),
    )
    # format_json=False: a message that happens to be JSON stays the message, and cannot
    # overwrite the fields.
    fluentd.setFormatter(
        fluent_handler.FluentRecordFormatter(fmt=_ServiceFields(service), format_json=False)
    )
    return fluentd


class _ServiceFields:
    """The fields of every record besides ``message`` (the formatter adds that): the callable
    ``fmt`` that fluent-logger's FluentRecordFormatter accepts."""

    def __init__(self, service: str) -> None:
        self.service = service

    def __call__(self, record: logging.LogRecord) -> dict[str, Any]:
        return {
            "service": self.service,
            "host": getattr(record, "hostname", None),  # set by FluentRecordFormatter
            "pid": record.process,
            "level": record.levelname,
            "logger": record.name,
        }

    def usesTime(self) -> bool:  # the formatter's name for it
        return False


class _Sender(fluent_sender.FluentSender):
    """fluent-logger's sender (which keeps unsent records in ``pendings``), plus: no connection
    attempt within a RETRY wait of a failed one, and a thread that sends what waits."""

    _retry_at = 0.0
    _said_unreachable = False
    _retrier: threading.Thread | None = None

    def _reconnect(self) -> None:
        if self.socket is None and time.monotonic() < self._retry_at:
            raise ConnectionError("Fluentd unreachable; waiting before the next try")
        try:
            super()._reconnect()
        except Exception as exc:  # also a host name that does not resolve or is malformed
            self._retry_at = time.monotonic() + RETRY.wait(1)
            if not self._said_unreachable:
                self._said_unreachable = True
                _say(
                    f"cannot reach Fluentd at {self.host}:{self.port} ({exc}); keeping up to "
                    f"{self.bufmax} bytes of log records and retrying every {RETRY.wait(1):g} s"
                )
            raise ConnectionError(str(exc)) from exc
        self._said_unreachable = False

    def _send_internal(self, bytes_: bytes) -> bool:
        sent = bool(super()._send_internal(bytes_))
        if self.pendings and (self._retrier is None or not self._retrier.is_alive()):
            self._retrier = threading.Thread(target=self._retry, name="fluentd-retry", daemon=True)
            self._retrier.start()
        return sent

    def _retry(self) -> None:
        """Send the waiting records once Fluentd is back; ends when none wait or on close."""
        while True:
            time.sleep(max(self._retry_at - time.monotonic(), 0.05))
            with self.lock:
                if self._closed or not self.pendings:
                    return
                if time.monotonic() < self._retry_at:
                    continue
                # Sends ``pendings`` (and nothing new). A failed connect has set _retry_at
                # already; a connection that fails while sending waits as long.
                if not super()._send_internal(b""):
                    self._retry_at = max(self._retry_at, time.monotonic() + RETRY.wait(1))


class FluentdHandler(fluent_handler.FluentHandler):
    """fluent-logger's handler with ``_Sender``, and safe across fork (Celery's prefork pool)."""

    def __init__(self, tag: str, **kwargs: Any) -> None:
        super().__init__(tag, **kwargs)
        _handlers.add(self)

    def getSenderClass(self) -> type[fluent_sender.FluentSender]:
        return _Sender

    def forget_connection(self) -> None:
        """In a forked child: drop the parent's connection and buffer (the parent sends that);
        the child connects on its own. Closing the socket object only releases the child's
        descriptor; a shutdown() here would cut the parent's connection too."""
        sender, self._sender = self._sender, None
        if sender is not None and sender.socket is not None:
            sender.socket.close()


_handlers: weakref.WeakSet[FluentdHandler] = weakref.WeakSet()


def _forget_connections() -> None:
    for fluentd in list(_handlers):
        fluentd.forget_connection()


os.register_at_fork(after_in_child=_forget_connections)


def _say(message: str) -> None:
    # The real stderr: Celery points sys.stderr at the logging system, which would loop back here.
    stream = sys.__stderr__
    if stream is not None:
        stream.write(f"joblook: {message}\n")
        stream.flush()
