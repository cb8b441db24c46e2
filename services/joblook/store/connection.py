"""A Redis connection whose "anything left unread?" check is one ``poll(2)``, even on eventlet.

redis-py asks every connection it hands out whether data is waiting on it (a reply left over from
an interrupted command, or a closed socket) before it sends a command. Under eventlet's monkey
patching ``select.poll`` is gone, and redis-py falls back to a green ``select``, which registers
the socket with eventlet's hub, switches to the hub and back, and unregisters it: about 7% of the
web's CPU for each ``POST /enqueue`` (docs/performance.md). A zero-timeout poll never blocks, so
the unpatched one is safe in a green thread too.
"""

from __future__ import annotations

import select
import sys
from collections.abc import Callable
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import redis


class Connection(redis.Connection):
    """``redis.Connection`` with a cheap readiness check; the answers stay the same."""

    def can_read(self, timeout: float = 0) -> bool:
        if timeout or self._sock is None or _parser_holds_data(self._parser):
            return bool(super().can_read(timeout))
        poller = _real_poll()()
        poller.register(self._sock.fileno(), select.POLLIN)
        if not poller.poll(0):
            return False
        # Readable: a pending reply, or a peer that closed. redis-py tells the two apart.
        return bool(super().can_read(timeout))


def pool_options(url: str) -> dict[str, Any]:
    """Keyword arguments for ``ConnectionPool.from_url``: this connection for ``redis://`` URLs.

    TLS (``rediss://``) and Unix socket (``unix://``) URLs keep redis-py's own classes."""
    return {"connection_class": Connection} if urlsplit(url).scheme == "redis" else {}


@cache
def _real_poll() -> Callable[[], Any]:
    # Looked up at first use, not at import: the web patches ``select`` after importing this.
    # Without eventlet loaded (the worker, the CLI) nothing is patched. Not importing eventlet
    # here keeps its deprecation warning out of those processes.
    patcher = sys.modules.get("eventlet.patcher")
    module = patcher.original("select") if patcher is not None else select
    poll: Callable[[], Any] = module.poll
    return poll


def _parser_holds_data(parser: object) -> bool:
    # The hiredis reader may hold a reply already read off the socket; a parser without that
    # reader (the pure-Python one) keeps its own buffer, so it gets redis-py's full check.
    reader = getattr(parser, "_reader", None)
    return reader is None or bool(reader.has_data())
