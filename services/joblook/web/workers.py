"""How many Celery workers answer a ping, counted in the background so /healthz only reads a number.

/healthz used to broadcast a ping per request, and that could wedge the whole web process: Celery's
broadcast holds a broker connection from the app's pool (10) while it takes a producer, and the
producer needs a second connection from the same pool. Ten probes at once each held one and waited
for another, for ever; every enqueue then queued behind them for a producer. Now one loop pings, on
a Celery app of its own (so with a pool of its own: it never takes a connection an enqueue needs),
and /healthz answers from the last count, in constant time however many probes arrive.

The same loop reads the roster, the queues and GPUs each worker advertises (``store/roster.py``),
so an enqueue and a task's page know "no worker serves queue gpu" without asking any worker.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from celery import Celery

from joblook.store.roster import WorkerAd

log = logging.getLogger(__name__)

PING_INTERVAL_SECONDS = 2.0  # how stale the count may be
PING_TIMEOUT_SECONDS = 1.0  # how long one ping collects replies


class WorkerCount:
    """The number of workers that answered the latest ping (0 until the first one)."""

    def __init__(self) -> None:
        self.count = 0
        self.roster: list[WorkerAd] | None = None  # None: not read yet, or Redis did not answer

    def refresh(self, ping: Callable[[], int]) -> None:
        """Ping once; a broker that cannot be reached counts as no workers."""
        try:
            self.count = ping()
        except Exception as exc:  # Redis down, a reply that does not parse: no workers known
            log.warning("cannot ping the workers: %s", exc)
            self.count = 0

    def refresh_roster(self, read: Callable[[], list[WorkerAd]]) -> None:
        """Read the roster once; unknown (None) when it cannot be read."""
        try:
            self.roster = read()
        except Exception as exc:  # Redis down: say nothing rather than "no worker"
            log.warning("cannot read the workers' roster: %s", exc)
            self.roster = None

    def run(
        self,
        ping: Callable[[], int],
        sleep: Callable[[float], object],
        read_roster: Callable[[], list[WorkerAd]] | None = None,
    ) -> None:
        """Refresh for ever, ``sleep`` (e.g. ``socketio.sleep``) between pings."""
        while True:
            self.refresh(ping)
            if read_roster is not None:
                self.refresh_roster(read_roster)
            sleep(PING_INTERVAL_SECONDS)


def celery_ping(celery: Celery) -> Callable[[], int]:
    """Counts the workers answering ``celery``'s ping; give it an app that does nothing else."""

    def ping() -> int:
        return len(celery.control.ping(timeout=PING_TIMEOUT_SECONDS) or [])

    return ping
