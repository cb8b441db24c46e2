"""Sending a task's end as a notice (``joblook.notices``), off the task's own path.

When a command ends, the run task composes the notice (it has the log file at hand for the last
lines) and queues the notify task, which sends it; the run task never waits for a service. The
URLs never travel in a Celery message (Flower shows those): the notify task reads them from the
task's record in Redis (the request's and its named job's, ``notify``) and from ``JOBLOOK_NOTIFY``.
A target that fails is tried again after ``RETRY``'s waits (a Celery retry with a countdown, so no
worker process is held meanwhile), the others are not sent twice; then given up with a warning.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import orjson
import redis
from celery import Celery, Task

from joblook import keys, notices, record
from joblook.notices import Notice
from joblook.worker import redisconn

logger = logging.getLogger(__name__)

NOTIFY_KEY = "joblook_notify_secret_urls"
"""JOBLOOK_NOTIFY's URLs. SECRET in the name: Celery masks such keys wherever it shows its
configuration (Flower's worker page), and these URLs may hold credentials."""
PUBLIC_URL_KEY = "joblook_public_url"
"""JOBLOOK_PUBLIC_URL: where the notice's link to the task page starts."""
NOTIFY_TASK = "joblook.notify"
REDIS_URL_KEY = "broker_url"  # the Redis the task records are in: the broker's (tasks.py)
TAIL_BYTES = 64 * 1024  # of the log file read for the last lines: enough for 20 long lines


def notify_urls(client: redis.Redis, conf: dict[str, object], task_id: str) -> list[str]:
    """Every URL the task's end goes to: its own (request and named job), then JOBLOOK_NOTIFY's."""
    raw = client.hget(keys.task(task_id), "notify")
    own: list[str] = orjson.loads(raw) if raw else []
    everyone = list(conf.get(NOTIFY_KEY) or [])  # type: ignore[call-overload]
    return list(dict.fromkeys([*own, *everyone]))


@dataclass(frozen=True)
class Ended:
    """How a command's run ended, as the run task saw it."""

    task_id: str
    cmd: str | list[str]
    state: str
    exit_code: int | None
    duration: float


def announce(app: Celery, client: redis.Redis, ended: Ended, log_path: Path, *, queue: str) -> None:
    """Queue the notice of a task's end, when it has somewhere to go."""
    if not notify_urls(client, app.conf, ended.task_id):
        return
    by = client.hget(keys.task(ended.task_id), "submitted_by")
    notice = notices.compose(
        ended.task_id,
        ended.cmd,
        ended.state,
        ended.exit_code,
        ended.duration,
        submitted_by=by.decode() if by else None,
        public_url=str(app.conf[PUBLIC_URL_KEY]),
        output=tail_output(log_path),
    )
    app.send_task(
        NOTIFY_TASK,
        args=[ended.task_id, notice.title, notice.body],
        kwargs={"kind": notice.kind},
        queue=queue,
    )


def tail_output(log_path: Path) -> str:
    """The output at the end of a task's log file (its last ``TAIL_BYTES``, whole records)."""
    try:
        with log_path.open("rb") as file:
            file.seek(max(0, file.seek(0, 2) - TAIL_BYTES))
            raw = file.read()
    except OSError:
        return ""
    lines = raw.split(b"\n")[1:] if len(raw) == TAIL_BYTES else raw.split(b"\n")
    objs = []
    for line in lines:
        try:
            objs.append(orjson.loads(line))
        except orjson.JSONDecodeError:
            continue
    return record.output_text(o for o in objs if isinstance(o, dict))


def send_notice(
    self: Task, task_id: str, title: str, body: str, *, pending: list[int] | None = None,
    tries: int = 1, kind: str = "info",
) -> dict[str, int]:  # fmt: skip
    """The notify task: send the notice to each URL still ``pending`` (None: all)."""
    urls = notify_urls(redisconn.client(self.app.conf[REDIS_URL_KEY]), self.app.conf, task_id)
    indexes = [i for i in (range(len(urls)) if pending is None else pending) if i < len(urls)]
    failed = notices.deliver(urls, indexes, Notice(title, body, kind))
    if not failed:
        return {"sent": len(indexes), "failed": 0}
    delay = notices.RETRY.delay(tries)
    targets = ", ".join(notices.mask(urls[i]) for i in failed)
    if delay is None:
        logger.warning("task %s: notice to %s not sent after %d tries", task_id, targets, tries)
        return {"sent": len(indexes) - len(failed), "failed": len(failed)}
    logger.info("task %s: notice to %s failed (try %d); again in %.0f s", task_id, targets,
                tries, delay)  # fmt: skip
    again = {"pending": failed, "tries": tries + 1, "kind": kind}
    raise self.retry(args=[task_id, title, body], kwargs=again, countdown=delay, max_retries=None)
