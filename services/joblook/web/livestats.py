"""``progress`` and ``metrics`` events, throttled: at most one of each per task every INTERVAL.

A tqdm bar may redraw ten thousand times a second; no browser wants that many events. /sync hands
over what each append found (the latest progress, the new metric points) and returns at once; a
background loop sends each task's news when its interval has passed since the last send, so the
first update goes out at once, a burst becomes one event per interval, and the last value of a
burst always goes out. Events travel through Socket.IO's message queue: ``progress`` to the task's
room and the task list's, ``metrics`` to the task's room.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import orjson

from joblook.store.logstore import Appended

log = logging.getLogger(__name__)

INTERVAL = 0.25  # seconds between two events of one kind for one task: four a second at most
MAX_PENDING_POINTS = 2_000  # per series between two sends; past it, the page reloads the series
IDLE_WAIT = 5.0  # how long the loop sleeps when nothing is waiting (a send wakes it)

Emit = Callable[[str, dict[str, object], list[str]], None]


@dataclass
class _News:
    """What one task has to say that has not been sent yet."""

    progress: tuple[float, float | None] | None = None
    points: dict[str, list[bytes]] = field(default_factory=dict)
    overflow: bool = False


class LiveStats:
    """The throttle for one web process; ``run`` is its sending loop."""

    def __init__(
        self, emit: Emit, tasks_room: str, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._emit = emit
        self._tasks_room = tasks_room
        self._clock = clock
        self._lock = threading.Lock()
        self._news: dict[str, _News] = {}
        self._sent: dict[tuple[str, str], float] = {}  # (task, event) -> when last sent
        self._wakeup = threading.Event()
        self._closed = threading.Event()

    def note(self, appended: Appended) -> None:
        """Remember what an append found; the loop sends it. Never blocks on I/O."""
        if not appended.progress and not appended.points:
            return
        with self._lock:
            for task_id, progress in appended.progress.items():
                self._news.setdefault(task_id, _News()).progress = progress
            for task_id, series in appended.points.items():
                news = self._news.setdefault(task_id, _News())
                for name, points in series.items():
                    kept = news.points.setdefault(name, [])
                    kept += points
                    if len(kept) > MAX_PENDING_POINTS:
                        news.overflow = True
                        del kept[:-MAX_PENDING_POINTS]
        self._wakeup.set()

    def flush(self) -> float | None:
        """Send whatever is due now; returns the seconds until the next is due (None: nothing)."""
        now = self._clock()
        due: list[tuple[str, str, _News]] = []
        next_due: float | None = None
        with self._lock:
            for task_id, news in list(self._news.items()):
                for event in self._events_of(news):
                    last = self._sent.get((task_id, event))
                    wait = 0.0 if last is None else last + INTERVAL - now
                    if wait <= 0:
                        due.append((task_id, event, news))
                        self._sent[(task_id, event)] = now
                    else:
                        next_due = wait if next_due is None else min(next_due, wait)
            payloads = [(task_id, event, self._take(news, event)) for task_id, event, news in due]
            self._news = {t: n for t, n in self._news.items() if self._events_of(n)}
            self._forget_old(now)
        for task_id, event, payload in payloads:
            rooms = [task_id, self._tasks_room] if event == "progress" else [task_id]
            self._emit(event, {"task_id": task_id, **payload}, rooms)
        return next_due

    def run(self) -> None:
        """Send news until ``close``."""
        while not self._closed.is_set():
            try:
                wait = self.flush()
            except Exception:  # never let one bad send end the loop
                log.exception("progress events failed")
                wait = INTERVAL
            self._wakeup.wait(IDLE_WAIT if wait is None else wait)
            self._wakeup.clear()

    def close(self) -> None:
        self._closed.set()
        self._wakeup.set()

    @staticmethod
    def _events_of(news: _News) -> list[str]:
        events = ["progress"] if news.progress is not None else []
        return events + (["metrics"] if news.points or news.overflow else [])

    @staticmethod
    def _take(news: _News, event: str) -> dict[str, object]:
        if event == "progress":
            assert news.progress is not None
            fraction, eta = news.progress
            news.progress = None
            return {"progress": fraction, "eta_seconds": eta}
        series = {
            name: orjson.loads(b"[" + b",".join(points) + b"]")
            for name, points in news.points.items()
        }
        payload: dict[str, object] = {"series": series, "reload": news.overflow}
        news.points, news.overflow = {}, False
        return payload

    def _forget_old(self, now: float) -> None:
        """Drop send times older than an interval: they no longer hold anything back."""
        if len(self._sent) > 1000:
            self._sent = {k: t for k, t in self._sent.items() if now - t < INTERVAL}
