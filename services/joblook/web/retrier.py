"""Retries: every web process runs a retrier that makes the next attempt of a failed task.

Once a second it looks at the attempts it watches (``store/attempts.py``). One that ended FAILURE,
with attempts left and no cancel request, gets a successor: a new PENDING task (``attempt``
n + 1, ``first_attempt``) due after the retry delay, which doubles each time up to a cap, a
random 50-100 % of it (``RETRY``). When an attempt is due it goes to the Celery queue as any task
does. An attempt that ends SUCCESS or REVOKED (cancelled), or the last allowed, ends the retries.

Why the web and Redis, not a Celery countdown: joblook acknowledges a message when a worker takes
it (shell commands are not idempotent), so a countdown message would wait in the worker's memory
and die with it; with late acks it would be redelivered only after the visibility timeout (12 h).
Here the delay is a score in Redis: a worker lost during it loses nothing, a web restarted during
it picks it up again, and several web processes agree through Redis scripts.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable

import orjson
import redis
from celery import Celery

from joblook import record
from joblook.launching import Placement
from joblook.record import State
from joblook.retry import Backoff
from joblook.store.attempts import Attempts
from joblook.store.cancellation import read_cancel
from joblook.store.logstore import LogStore, TaskInfo, created_fields
from joblook.web import launch

logger = logging.getLogger(__name__)

POLL_SECONDS = 1.0
DELAY_CAP = 600.0  # seconds: the longest wait between attempts (unless the first is longer)
LEASE_SECONDS = 60.0  # a due attempt a sender took but did not drop is sent again after this
BATCH = 100  # due attempts leased at once


def backoff(first_delay: float) -> Backoff:
    """The waits of a task whose second attempt waits about ``first_delay`` seconds."""
    return Backoff(first=first_delay, cap=max(DELAY_CAP, first_delay), jitter=True)


class Retrier:
    def __init__(
        self,
        store: LogStore,
        celery: Celery,
        on_change: Callable[[list[str]], None],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._attempts = Attempts(store.redis)
        self._celery = celery
        self._on_change = on_change
        self._clock = clock

    def sweep(self) -> list[str]:
        """Schedule the attempts that failed, send those due; returns the tasks that changed."""
        changed = self._schedule_failed() + self._send_due()
        if changed:
            self._on_change(changed)
        return changed

    def run(self, sleep: Callable[[float], object]) -> None:
        """Sweep for ever, ``sleep`` (e.g. ``socketio.sleep``) between sweeps."""
        while True:
            sleep(POLL_SECONDS)
            try:
                self.sweep()
            except redis.RedisError as exc:
                logger.warning("cannot look at retries: %s", exc)
            except Exception:  # never let one bad sweep end the loop
                logger.exception("retry sweep failed")

    def _schedule_failed(self) -> list[str]:
        watched = self._attempts.watched()
        changed: list[str] = []
        for task_id, info in zip(watched, self._store.own_tasks(watched), strict=True):
            if info is not None and info.state not in record.TERMINAL_STATES:
                continue
            if info is None or info.state != State.FAILURE or self._cancelled(task_id):
                self._attempts.unwatch(task_id)  # it succeeded, was cancelled, or expired
                continue
            first = info if info.first_attempt is None else self._store.own(info.first_attempt)
            if first is None or first.retries is None:
                self._attempts.unwatch(task_id)
                continue
            new_id = self._schedule(info, first)
            if new_id is not None:
                changed += [first.task_id, new_id]
        return changed

    def _schedule(self, failed: TaskInfo, first: TaskInfo) -> str | None:
        """Create the attempt after ``failed``; None if another process did."""
        number = (failed.attempt or 1) + 1
        total = (first.retries or 0) + 1
        now = self._clock()
        delay = backoff(first.retry_delay or 1.0).wait(number - 1)
        due = _stamp(now + delay)
        ended = f"exit code {failed.exit_code}" if failed.exit_code is not None else failed.message
        fields = created_fields(
            {
                "cmd": first.cmd or "",
                "timeout": "" if first.timeout is None else str(first.timeout),
                "definition": orjson.dumps(first.definition).decode(),
                "run": orjson.dumps(first.run).decode(),
                "queue": first.queue or "",
                "gpus": str(first.gpus),
                "placement": orjson.dumps(first.placement).decode(),
                "notify": orjson.dumps(first.notify).decode(),
                "attempt": str(number),
                "first_attempt": first.task_id,
                "submitted_by": f"retry:{first.task_id}",
                "due_at": due,
                "message": f"attempt {number} of {total}, due {due}: attempt {number - 1} "
                f"failed ({ended})",
            },
            _stamp(now),
        )
        new_id = record.new_task_id()
        scheduled = self._attempts.schedule(
            failed.task_id,
            first.task_id,
            new_id,
            due=now + delay,
            created=now,
            fields=fields,
            watch_next=number < total,
        )
        if not scheduled:
            return None
        logger.info("task %s: attempt %d of %d in %.1f s", first.task_id, number, total, delay)
        return new_id

    def _send_due(self) -> list[str]:
        now = self._clock()
        due = self._attempts.lease_due(now, now + LEASE_SECONDS, BATCH)
        changed: list[str] = []
        for task_id, info in zip(due, self._store.own_tasks(due), strict=True):
            if info is None or info.state != State.PENDING or info.run is None:
                self._attempts.unschedule(task_id)
                continue
            cancel = read_cancel(self._store.redis, task_id)
            if cancel is not None:
                close_scheduled(self._store, task_id, cancel.message)
            else:
                where = Placement.from_kwargs(info.placement)
                launch.send_command(self._celery, task_id, info.run, info.timeout, where)
                self._attempts.sent(task_id)
            changed.append(task_id)
        return changed

    def _cancelled(self, task_id: str) -> bool:
        return read_cancel(self._store.redis, task_id) is not None


def close_scheduled(store: LogStore, task_id: str, message: str) -> bool:
    """End an attempt that waits for its retry delay as REVOKED, never sent to the queue; False
    when it was not waiting (already sent: the worker honours the cancel request)."""
    if not Attempts(store.redis).unschedule(task_id):
        return False
    note = f"{message}, before this attempt was queued"
    store.append([record.status(task_id, 1, State.REVOKED, None, note)])
    return True


def _stamp(epoch: float) -> str:
    return record.timestamp(dt.datetime.fromtimestamp(epoch, dt.UTC))
