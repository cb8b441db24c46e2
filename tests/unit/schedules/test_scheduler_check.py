"""``joblook scheduler --check`` (compose's healthcheck): healthy only while a scheduler on this
host beats."""

from __future__ import annotations

import socket
import time

from joblook.scheduler.service import HEALTHY_WITHIN, check
from joblook.settings import Settings
from joblook.store.logstore import LogStore
from joblook.store.schedules import ScheduleStore


def test_the_check_needs_a_recent_beat_from_this_host(store: LogStore, redis_url: str) -> None:
    settings = Settings.from_env({"REDIS_URL": redis_url})
    schedules = ScheduleStore(store.redis)
    assert check(settings) == 1
    schedules.beat("another-host:1", time.time(), 3600)
    assert check(settings) == 1
    schedules.beat(f"{socket.gethostname()}:1", time.time() - HEALTHY_WITHIN - 1, 3600)
    assert check(settings) == 1
    schedules.beat(f"{socket.gethostname()}:2", time.time(), 3600)
    assert check(settings) == 0


def test_the_check_fails_when_redis_cannot_be_reached() -> None:
    assert check(Settings.from_env({"REDIS_URL": "redis://127.0.0.1:1/0"})) == 1
