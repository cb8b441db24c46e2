"""Live delivery of stored records to Socket.IO subscribers, gap-free and in seq order.

Each web process keeps, per watched task, a cursor per subscriber (the last seq it was sent) and one
pump that sends each group of subscribers what the store holds after their cursor. The store
publishes "<task_id> <last_seq>" whenever it appends; that only wakes the pump, and the records
always come from the store. So backlog and live output travel the same path, a subscriber can
never skip a seq, nobody is sent a seq twice, and a missed notification (say, during a Redis
reconnect) costs latency, never data. Batching adapts by itself: a pump that wakes after one
append sends one record; one that wakes while a burst was stored sends the whole burst at once.

Backpressure: a subscriber that has not acknowledged what it was sent (``acks.AckWindow``) is
sent nothing more until it has; its records wait in the store, not in the web server's memory, and
go out as one bigger batch once it has caught up. Without this a slow reader (or a thousand of
them) made the pump queue a whole million-line log per connection, and the Engine.IO ping stuck
behind it timed the connection out. An event is bounded by records (BATCH) and by bytes
(``event_bytes``), and the store is read no further ahead than one event, so what a viewer costs
the web is about the window plus one event, whatever the size of the backlog.

The acknowledgement wakes the pump. It also looks at held subscribers by itself, as a safety net:
soon at first, then less and less often while the same subscribers stay held (a reader that
stopped altogether costs a look or two a second), and on those looks only at the held ones:
everyone else already has what the store held at the last pass, and an append wakes the pump
anyway.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Protocol

import orjson
import redis

from joblook import keys, record
from joblook.retry import Backoff, Retrying
from joblook.settings import DEFAULT_FEED_EVENT_BYTES
from joblook.store.logstore import LogStore
from joblook.web.acks import AckWindow

log = logging.getLogger(__name__)

Spawn = Callable[[Callable[[], None]], object]


class Emit(Protocol):
    """Sends one Socket.IO event to these sids; ``callback`` asks them to acknowledge it."""

    def __call__(
        self, event: str, data: object, sids: list[str], callback: Callable[..., None] | None = None
    ) -> None: ...


# In a stored record (compact JSON from record.encode) only a status record's own key can read
# so: inside a "log" string the quotes would be escaped.
STATUS_MARK = b'"stream":"status"'
BATCH = 5000  # records per event while catching up on a backlog
SAFETY_NET_SECONDS = 5.0  # re-check the store this often even without a notification
LISTEN_TIMEOUT_SECONDS = 1.0  # how long close() may wait for the listener to notice
BUSY_RECHECK_SECONDS = 0.005  # while a subscriber is held back: how soon to look again
MAX_RECHECK_SECONDS = 1.0  # ... doubling up to this while the same subscribers stay held
SUBSCRIBE_RETRY = Backoff(first=0.1, cap=5.0)  # after losing the Redis subscription
PUMP_RETRY = Backoff.fixed(0.5)  # after a task's pump failed to read or send


class LiveFeed:
    """All live subscriptions of one web process."""

    def __init__(
        self,
        store: LogStore,
        emit: Emit,
        spawn: Spawn,
        window: AckWindow | None = None,
        event_bytes: int = DEFAULT_FEED_EVENT_BYTES,
        *,
        sent: Callable[[bytes], None] | None = None,
    ) -> None:
        """``window``: hold back subscribers by their acknowledgements (None: never hold back).
        ``sent``: told the newest record of each ``log`` event sent (the metrics' lag)."""
        self.store = store
        self.sent = sent
        self.event_bytes = event_bytes
        self._emit = emit
        self._spawn = spawn
        self.window = window
        self._lock = threading.Lock()
        self._tasks: dict[str, _TaskFeed] = {}
        self._by_sid: dict[str, set[str]] = defaultdict(set)
        self._waiters: dict[str, set[threading.Event]] = defaultdict(set)
        self._closed = threading.Event()
        self._pubsub: redis.client.PubSub | None = None
        if window is not None:
            window.released = self._released

    def start(self) -> None:
        """Start listening for the store's append notifications."""
        self._spawn(self._listen)

    def close(self) -> None:
        """Stop listening and stop every pump (the app is shutting down, or a test is done)."""
        self._closed.set()
        if self._pubsub is not None:
            self._pubsub.close()
        self._wake()

    def subscribe(self, sid: str, task_id: str, after_seq: int) -> None:
        """Send ``sid`` every record of ``task_id`` with seq > after_seq, then live ones."""
        with self._lock:
            feed = self._tasks.get(task_id)
            if feed is None:
                feed = self._tasks[task_id] = _TaskFeed(task_id, self)
                self._spawn(feed.pump)
            feed.cursors[sid] = after_seq
            self._by_sid[sid].add(task_id)
        feed.wakeup.set()

    def unsubscribe(self, sid: str, task_id: str) -> None:
        with self._lock:
            self._by_sid[sid].discard(task_id)
            feed = self._tasks.get(task_id)
            if feed is not None:
                feed.cursors.pop(sid, None)
        if feed is not None:
            feed.wakeup.set()  # lets an idle pump notice it has no one left and stop

    def drop(self, sid: str) -> None:
        """Forget a disconnected client."""
        with self._lock:
            task_ids = self._by_sid.pop(sid, set())
        for task_id in task_ids:
            self.unsubscribe(sid, task_id)
        with self._lock:
            self._by_sid.pop(sid, None)
        if self.window is not None:
            self.window.forget(sid)

    def wait_for_append(self, task_id: str, after_seq: int, timeout: float) -> bool:
        """Block until the store holds a record of ``task_id`` past ``after_seq`` (True), or
        ``timeout`` passes (False).

        For readers that are not Socket.IO clients, such as the follow stream: they read the store
        themselves and sleep here between reads instead of polling. The waiter is registered
        before the store is checked, so an append landing in between cannot go unnoticed.
        """
        event = threading.Event()
        with self._lock:
            self._waiters[task_id].add(event)
        deadline = time.monotonic() + timeout
        try:
            while self.store.last_seq(task_id) <= after_seq:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not event.wait(remaining):
                    return False
                event.clear()  # a late notice of an older append; look again
            return True
        finally:
            with self._lock:
                waiters = self._waiters.get(task_id)
                if waiters is not None:
                    waiters.discard(event)
                    if not waiters:
                        del self._waiters[task_id]

    def subscriber_count(self) -> int:
        with self._lock:
            return sum(len(f.cursors) for f in self._tasks.values())

    def _retire(self, feed: _TaskFeed) -> bool:
        """Remove a feed that has no subscribers left; False if one arrived meanwhile."""
        with self._lock:
            if feed.cursors:
                return False
            self._tasks.pop(feed.task_id, None)
            return True

    def _released(self, sid: str) -> None:
        """``sid`` acknowledged what held it back: its pumps may send it more at once."""
        with self._lock:
            feeds = [self._tasks.get(task_id) for task_id in self._by_sid.get(sid, ())]
        for feed in feeds:
            if feed is not None:
                feed.wakeup.set()

    def _wake(self, task_id: str | None = None) -> None:
        with self._lock:
            if task_id is None:
                feeds = list(self._tasks.values())
                waiters = [e for events in self._waiters.values() for e in events]
            else:
                feeds = [self._tasks.get(task_id)]
                waiters = list(self._waiters.get(task_id, ()))
        for feed in feeds:
            if feed is not None:
                feed.wakeup.set()
        for event in waiters:
            event.set()

    def _listen(self) -> None:
        retrying = Retrying(SUBSCRIBE_RETRY)
        while not self._closed.is_set():
            try:
                pubsub = self._pubsub = self.store.redis.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(keys.APPENDED)
                self._wake()  # anything appended while we were not listening
                retrying.reset()
                while not self._closed.is_set():
                    # Returns the moment a message arrives; the timeout only lets close() in.
                    message = pubsub.get_message(timeout=LISTEN_TIMEOUT_SECONDS)
                    if message is not None:
                        task_id, _, _last = message["data"].decode().partition(" ")
                        self._wake(task_id)
            except Exception:
                if self._closed.is_set():
                    return
                delay = retrying.failed()
                log.exception("live feed lost its Redis subscription; retrying in %.1fs", delay)
                time.sleep(delay)


class _TaskFeed:
    """Subscribers of one task and the pump that feeds them."""

    def __init__(self, task_id: str, owner: LiveFeed) -> None:
        self.task_id = task_id
        self.owner = owner
        self.cursors: dict[str, int] = {}
        self.wakeup = threading.Event()

    def pump(self) -> None:
        held: set[str] = set()
        recheck = BUSY_RECHECK_SECONDS
        last_full = time.monotonic()
        while True:
            woken = self.wakeup.wait(recheck if held else SAFETY_NET_SECONDS)
            self.wakeup.clear()
            if self.owner._closed.is_set():
                return
            if not self.cursors and self.owner._retire(self):
                return
            # Only the clock woke us, to see whether a held subscriber drained: look at them only.
            full = woken or not held or time.monotonic() - last_full >= SAFETY_NET_SECONDS
            try:
                still_held, sent = self._deliver(None if full else held)
            except Exception:
                log.exception("live feed for %s failed; retrying", self.task_id)
                time.sleep(PUMP_RETRY.wait(1))
                self.wakeup.set()
                continue
            if full:
                last_full = time.monotonic()
            recheck = next_recheck(recheck, held, still_held, sent)
            held = still_held

    def _deliver(self, only: set[str] | None = None) -> tuple[set[str], bool]:
        """Send every group of subscribers (or only those in ``only``) what lies after their
        cursor, one event at a time each, while their connections keep up.

        Returns the subscribers held back because they have not acknowledged enough of what they
        were sent, and whether any event went out.
        """
        held: set[str] = set()
        sent = False
        more = True
        while more:
            more = False
            groups: dict[int, list[str]] = defaultdict(list)
            for sid, cursor in list(self.cursors.items()):
                if only is not None and sid not in only:
                    continue
                if self.owner.window is not None and self.owner.window.held(sid):
                    held.add(sid)
                    continue
                groups[cursor].append(sid)
            for cursor, sids in groups.items():
                raw, cut_short = self.owner.store.read_event(
                    self.task_id, cursor, BATCH, self.owner.event_bytes
                )
                if raw:
                    self._send(sids, raw)
                    sent = True
                    for sid in sids:
                        if self.cursors.get(sid) == cursor:  # not re-subscribed meanwhile
                            self.cursors[sid] = cursor + len(raw)
                more = more or cut_short
        return held, sent

    def _ask(
        self, sids: list[str], size: int
    ) -> tuple[list[str], list[tuple[str, Callable[..., None]]]]:
        """Split ``sids`` into those sent this event as it is and those that must acknowledge it
        (each with its own callback: python-socketio supports acknowledgements one sid at a time).
        """
        window = self.owner.window
        if window is None:
            return sids, []
        plain, asking = [], []
        for sid in sids:
            acknowledged = window.sending(sid, size)
            if acknowledged is None:
                plain.append(sid)
            else:
                asking.append((sid, acknowledged))
        return plain, asking

    def _send(self, sids: list[str], raw: list[bytes]) -> None:
        """One ``log`` event with the stored records as they are, then any ``status`` events.

        The records go out pre-encoded (an orjson Fragment): the store already holds each as
        compact JSON, so decoding them only to encode them again (and letting python-socketio
        walk every dict looking for bytes) was a fifth of the web's time at 40,000 lines/s.
        """
        emit = self.owner._emit
        data = {"task_id": self.task_id, "records": orjson.Fragment(b"[" + b",".join(raw) + b"]")}
        plain, asking = self._ask(sids, sum(len(item) for item in raw))
        if self.owner.sent is not None:
            self.owner.sent(raw[-1])
        if plain:
            emit("log", data, plain)
        for sid, acknowledged in asking:
            emit("log", data, [sid], acknowledged)
        for item in raw:
            if STATUS_MARK not in item:
                continue
            decoded = orjson.loads(item)
            status = record.status_of(decoded)
            if status is not None:
                state, exit_code = status
                # Its time: for an end, when the task finished, so a page shows the final
                # duration at once instead of its ticking estimate.
                data = {"task_id": self.task_id, "state": state, "exit_code": exit_code,
                        "time": decoded["time"]}  # fmt: skip
                emit("status", data, sids)


def next_recheck(delay: float, held: set[str], still_held: set[str], sent: bool) -> float:
    """How soon to look at held subscribers again: soon after any progress (an event sent, or a
    change in who is held), and twice as long as last time (up to MAX_RECHECK_SECONDS) while the
    same ones stay held and nothing moves."""
    if sent or not still_held or still_held != held:
        return BUSY_RECHECK_SECONDS
    return min(delay * 2, MAX_RECHECK_SECONDS)
