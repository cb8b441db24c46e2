"""``JOBLOOK_WEBHOOK_URL``: a JSON POST for every task that ends, off the log pipeline's path.

Ends are queued in Redis with the record that ends the task (``store/ended.py``); each web process
runs one sender that takes them one at a time and POSTs::

    {"task_id": "...", "cmd": "...", "state": "SUCCESS", "exit_code": 0,
     "duration_seconds": 12.5, "url": "<JOBLOOK_PUBLIC_URL>/task?task_id=..."}

A retried task reports each attempt's own end, with its ``attempt`` number: the last attempt's
is the task's final one.

A chain or group is reported too, once, when its last step has ended: once a step is done with,
the sender looks at the step's parent and, if every step has now ended, claims the parent's report
with a Redis ``SET NX`` (so two web processes, or two steps ending together, send it once) and
queues it like any other end.

A 2xx reply delivers it; anything else (an error status, a refused connection, a timeout) is tried
again 1, 2, 4... seconds later (``RETRY``), then given up with a warning. A task waiting for its
next try holds up no other: the sender reports other ends meanwhile. /sync never waits for any of
this.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from urllib.parse import urlencode

import orjson
import urllib3

from joblook import keys
from joblook.record import State
from joblook.retry import Backoff
from joblook.store.ended import EndedQueue
from joblook.store.logstore import LogStore, TaskInfo

log = logging.getLogger(__name__)

# Retried after 1, 2, 4, 8, 16 and 32 s; given up after the seventh try, about a minute.
RETRY = Backoff(first=1.0, cap=32.0, tries=7)
TIMEOUT = urllib3.Timeout(connect=5.0, read=10.0)
POLL_SECONDS = 1.0  # how often an idle sender looks for ended tasks
# Far longer than one POST with its timeouts: a claim this old was abandoned by a sender that died.
ABANDONED_AFTER = 60.0
PARENT_MARK_SECONDS = 30 * 24 * 60 * 60  # how long "this chain or group was reported" is kept

Post = Callable[[str, bytes], int]
Sleep = Callable[[float], object]


def payload(info: TaskInfo, public_url: str) -> dict[str, object]:
    """What the webhook receives about an ended task."""
    duration = None
    if info.started_at and info.finished_at:
        spent = _parse(info.finished_at) - _parse(info.started_at)
        duration = round(max(0.0, spent.total_seconds()), 6)
    return {
        "task_id": info.task_id,
        "cmd": info.cmd,
        "state": info.state,
        "exit_code": info.exit_code,
        "duration_seconds": duration,
        "url": f"{public_url}/task?{urlencode({'task_id': info.task_id})}",
        "submitted_by": info.submitted_by,
        "cancelled_by": info.cancelled_by,
    } | ({} if info.attempt is None else {"attempt": info.attempt})


def http_post(pool: urllib3.PoolManager) -> Post:
    """POST JSON with ``pool``; returns the status (0 when no reply came)."""

    def post(url: str, body: bytes) -> int:
        try:
            reply = pool.request(
                "POST",
                url,
                body=body,
                headers={"Content-Type": "application/json", "User-Agent": "joblook-webhook"},
                timeout=TIMEOUT,
                retries=False,
                redirect=False,
            )
        except urllib3.exceptions.HTTPError as exc:
            log.info("webhook POST failed: %s", exc)
            return 0
        return reply.status

    return post


class WebhookSender:
    """Takes ended tasks off the queue and reports each one to the webhook."""

    def __init__(
        self,
        store: LogStore,
        url: str,
        public_url: str,
        *,
        post: Post,
        sleep: Sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._queue = EndedQueue(store.redis, ABANDONED_AFTER)
        self._url = url
        self._public_url = public_url
        self._post = post
        self._sleep = sleep
        self._clock = clock

    def deliver_next(self) -> bool:
        """Try to report the next ended task (or due retry); False when none was waiting."""
        now = self._clock()
        task_id = self._queue.claim(now)
        if task_id is None:
            return False
        info = self._store.task(task_id)
        if info is not None and len(info.attempts) > 1:  # each attempt reports its own end
            info = self._store.own(task_id)
        if info is None:  # it expired (JOBLOOK_LOG_TTL) before anyone could report it
            self._queue.done(task_id)
            return True
        status = self._post(self._url, orjson.dumps(payload(info, self._public_url)))
        if not 200 <= status < 300:
            failures = self._queue.failed(task_id)
            delay = RETRY.delay(failures)
            if delay is not None:
                log.info(
                    "webhook for %s got %s; retrying in %.0f s",
                    task_id,
                    status or "no reply",
                    delay,
                )
                self._queue.retry_at(task_id, now + delay)
                return True
            log.warning("webhook for task %s not delivered after %d tries", task_id, failures)
        if info.parent is not None:
            self._report_parent(info.parent)
        self._queue.done(task_id)
        return True

    def _report_parent(self, parent_id: str) -> None:
        """Queue the report of a chain or group whose steps have all ended, unless it was."""
        parent = self._store.task(parent_id)
        if parent is None or not State(parent.state).is_terminal:
            return
        mark = keys.reported(parent_id)
        if self._store.redis.set(mark, "1", nx=True, ex=PARENT_MARK_SECONDS):
            self._queue.add(parent_id)

    def run(self) -> None:
        """Deliver for ever (the web process's lifetime), looking for work every POLL_SECONDS."""
        while True:
            try:
                busy = self.deliver_next()
            except Exception:  # Redis away, say: never let the sender die
                log.exception("webhook sender failed; trying again")
                busy = False
            if not busy:
                self._sleep(POLL_SECONDS)


def _parse(stamp: str) -> dt.datetime:
    return dt.datetime.fromisoformat(stamp)
