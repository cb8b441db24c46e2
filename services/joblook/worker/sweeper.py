"""Delete task files the store holds in full, so the log directory does not grow for ever.

A file is deleted only when its last record is the task's terminal status and the store's log
holds that record's seq (so every record before it too), and only once nothing has written to it
for the retention time. Whoever tails the files (the shipper, or Fluentd's in_tail) has then read
all of it; both let go of a deleted file (the shipper drops its position). Every worker sweeps
now and then, from Celery's timer in its main process; workers sharing a directory may race to
delete the same file, which is harmless.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import redis
from celery import bootsteps

from joblook.store.logstore import LogStore
from joblook.worker.logfile import last_record

logger = logging.getLogger(__name__)

MAX_INTERVAL = 30.0


def sweep(logs_dir: Path, store: LogStore, retention: float) -> list[Path]:
    """Delete what is safe to delete now; returns the deleted files."""
    finished: dict[Path, tuple[str, int]] = {}
    cutoff = time.time() - retention
    for path in logs_dir.glob("*.jsonl"):
        try:
            if path.stat().st_mtime > cutoff:
                continue
            last = last_record(path)
        except OSError:  # deleted meanwhile by another worker
            continue
        if last is not None and last.is_terminal:
            finished[path] = (last.task_id, last.seq)
    if not finished:
        return []
    stored = store.last_seqs([task_id for task_id, _seq in finished.values()])
    deleted = []
    for (path, (_task_id, seq)), held in zip(finished.items(), stored, strict=True):
        if held >= seq:
            path.unlink(missing_ok=True)
            deleted.append(path)
    if deleted:
        logger.info("deleted %d task files the store holds in full", len(deleted))
    return deleted


def sweep_interval(retention: float) -> float:
    return min(MAX_INTERVAL, retention / 2)


def sweep_step(logs_dir: Path, redis_url: str, retention: float) -> type[bootsteps.StartStopStep]:
    """A Celery worker bootstep that runs :func:`sweep` on the worker's timer."""

    class SweepStep(bootsteps.StartStopStep):
        requires = ("celery.worker.components:Timer",)
        label = "joblook file sweeper"

        def start(self, parent: Any) -> None:
            store = LogStore(redis.Redis.from_url(redis_url, socket_timeout=5))

            def run() -> None:
                try:
                    sweep(logs_dir, store, retention)
                except (OSError, redis.RedisError) as exc:
                    logger.warning("cannot sweep %s now: %s", logs_dir, exc)

            self.tref = parent.timer.call_repeatedly(sweep_interval(retention), run)

        def stop(self, parent: Any) -> None:
            tref = getattr(self, "tref", None)
            if tref is not None:
                tref.cancel()

    return SweepStep
