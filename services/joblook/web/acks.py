"""How far behind each live viewer is, from its Socket.IO acknowledgements.

The web must not queue a whole log for a viewer that reads slowly (or not at all), and it must not
read python-engineio's send queues to find out who that is. So it asks the viewers: now and then
a ``log`` event goes out with an acknowledgement request, and the viewer acknowledges it once it
has handled the event. One connection delivers in order, so that acknowledgement confirms every
byte sent to the viewer up to that event.

A viewer is *held* (sent nothing more) while an acknowledgement is outstanding and more than
``limit`` bytes have gone to it since the last confirmed one. What a viewer that stops reading can
cost the web is therefore about ``limit`` bytes plus one event, however big the log. Requests are
made at most once per ``limit / 2`` bytes, so a viewer of a quiet task is almost never asked, and
one catching up on a big backlog keeps about a window of events in flight.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

Released = Callable[[str], None]
"""Called with a sid whose outstanding acknowledgement has just arrived."""


@dataclass
class _Account:
    sent: int = 0  # bytes of log events sent to the viewer
    confirmed: int = 0  # of which the viewer acknowledged
    asked: int | None = None  # ``sent`` as of the outstanding acknowledgement request


class AckWindow:
    """Bytes sent and acknowledged per Socket.IO sid; which sids must wait."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError(f"limit must be at least 1 byte, not {limit}")
        self.limit = limit
        self.ask_every = max(1, limit // 2)
        self.released: Released = lambda _sid: None  # the feed sets this to wake its pumps
        self._lock = threading.Lock()
        self._accounts: dict[str, _Account] = {}

    def sending(self, sid: str, size: int) -> Callable[..., None] | None:
        """Count an event of ``size`` bytes going to ``sid``; the callback to send with it when
        it must ask for an acknowledgement, else None."""
        with self._lock:
            account = self._accounts.setdefault(sid, _Account())
            account.sent += size
            if account.asked is not None or account.sent - account.confirmed < self.ask_every:
                return None
            account.asked = account.sent
            return partial(self._acknowledged, sid, account.sent)

    def held(self, sid: str) -> bool:
        """True while ``sid`` must be sent nothing more (it has not caught up)."""
        with self._lock:
            account = self._accounts.get(sid)
            return (
                account is not None
                and account.asked is not None
                and account.sent - account.confirmed >= self.limit
            )

    def unconfirmed(self, sid: str) -> int:
        """Bytes sent to ``sid`` that it has not acknowledged yet."""
        with self._lock:
            account = self._accounts.get(sid)
            return 0 if account is None else account.sent - account.confirmed

    def forget(self, sid: str) -> None:
        """The viewer disconnected."""
        with self._lock:
            self._accounts.pop(sid, None)

    def _acknowledged(self, sid: str, upto: int, *_reply: object) -> None:
        with self._lock:
            account = self._accounts.get(sid)
            if account is None or account.asked != upto:  # forgotten, or a stale reply
                return
            account.confirmed, account.asked = upto, None
        self.released(sid)
