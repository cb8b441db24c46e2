"""``joblook scheduler``: run the loop until SIGTERM or Ctrl-C; ``--check`` for healthchecks."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import threading
import time
from types import FrameType

import redis

from joblook import jobs, logs
from joblook.scheduler.firing import Firer
from joblook.scheduler.loop import Scheduler
from joblook.settings import Settings, SettingsError
from joblook.store.logstore import LogStore
from joblook.store.schedules import ScheduleStore
from joblook.taskqueue import make_celery

log = logging.getLogger(__name__)

HEALTHY_WITHIN = 15.0  # --check: this host's scheduler beat at most this long ago


def serve(args: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="joblook scheduler", description="Fire the schedules' due times (any number may run)."
    )
    parser.add_argument(
        "--check", action="store_true", help="exit 0 if a scheduler on this host beats, else 1"
    )
    options = parser.parse_args(args)
    settings = Settings.from_env()
    if options.check:
        return check(settings)
    logs.setup("scheduler", settings)
    try:
        named = jobs.load(settings.jobs_file) if settings.jobs_file else {}
    except jobs.JobsFileError as exc:
        raise SettingsError(str(exc)) from None
    store = LogStore.from_url(settings.redis_url, log_ttl=settings.log_ttl)
    firer = Firer(store, make_celery(settings), settings, named)
    owner = f"{socket.gethostname()}:{os.getpid()}"
    scheduler = Scheduler(ScheduleStore(store.redis), firer, settings.schedule_grace, owner)
    stop = threading.Event()

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    log.info("joblook scheduler %s started (grace %g s)", owner, settings.schedule_grace)
    scheduler.run(stop)
    log.info("joblook scheduler %s stopped", owner)
    return 0


def check(settings: Settings) -> int:
    """0 when a scheduler on this host has beaten lately (compose's healthcheck)."""
    client = redis.Redis.from_url(settings.redis_url, socket_timeout=5)
    try:
        alive = ScheduleStore(client).schedulers(time.time(), HEALTHY_WITHIN)
    except redis.RedisError:
        return 1
    host = socket.gethostname()
    return 0 if any(owner.rpartition(":")[0] == host for owner in alive) else 1
