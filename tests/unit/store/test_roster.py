"""Workers advertise their queues and GPUs; one that stops refreshing drops out."""

from __future__ import annotations

import time

from joblook.store import roster
from joblook.store.logstore import LogStore

GPU_WORKER = roster.WorkerAd("gpu@host", ["gpu"], ["0", "1"])


def test_a_worker_is_in_the_roster_while_its_advertisement_lasts(store: LogStore) -> None:
    roster.advertise(store.redis, GPU_WORKER, 0.3)
    assert roster.read(store.redis) == [GPU_WORKER]
    time.sleep(0.4)
    assert roster.read(store.redis) == []


def test_a_worker_that_stops_leaves_the_roster_at_once(store: LogStore) -> None:
    roster.advertise(store.redis, GPU_WORKER, 30)
    roster.withdraw(store.redis, GPU_WORKER.name)
    assert roster.read(store.redis) == []
