"""The one Celery task: thin on purpose, the work is ``runner.execute``.

Cancelling and time limits are joblook's own (``cancellation.py``, ``killing.py``), never Celery's
``revoke(terminate=True)`` or time limits: those signal the pool process, not the command's tree.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager as ContextManager
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any, NoReturn

from celery import Task
from celery.exceptions import Ignore

from joblook.queuenames import DEFAULT_QUEUE
from joblook.record import State
from joblook.store.cancellation import read_cancel
from joblook.store.secrets import SecretError, SecretStore
from joblook.store.slots import Ask, Slots
from joblook.worker import metrics as worker_metrics
from joblook.worker.admission import Parked, admitted, wake_after
from joblook.worker.artifacts import ArtifactOptions, Workspace
from joblook.worker.cancelwatch import CancelWatcher
from joblook.worker.claim import ClaimUnavailable, claim, owner_name, unclaim
from joblook.worker.heartbeat import Heartbeat
from joblook.worker.logfile import TaskLogWriter
from joblook.worker.notify import Ended, announce
from joblook.worker.redisconn import client as _redis
from joblook.worker.runner import Command, execute

logger = logging.getLogger(__name__)

# Where, in the app's configuration, the task finds what ``worker_celery(settings)`` put there.
LOGS_DIR_KEY = "joblook_logs_dir"
"""The directory for the tasks' log files."""
KILL_GRACE_KEY = "joblook_kill_grace"
"""Seconds between SIGTERM and SIGKILL when a command is cancelled or times out."""
DEFAULT_TIMEOUT_KEY = "joblook_default_timeout"
"""Seconds a command may run when its task names no timeout (None: no limit)."""
MAX_LOG_BYTES_KEY = "joblook_max_log_bytes"
"""Bytes of output a task's log keeps: past them, the head and the tail with a marker between."""
REDIS_URL_KEY = "broker_url"
"""The Redis where a task claims its id (claim.py) and watches for cancels (cancelwatch.py): the
broker's. Celery's own key, because Celery masks its password wherever it shows its configuration
(``inspect conf``, Flower's worker page); a joblook key would show it in clear."""
WORKER_LOST_KEY = "joblook_worker_lost_after"
"""Seconds of missing heartbeat before the web fails a running task as lost (``heartbeat.py``);
also the lease of a task's slots and GPUs (``admission.py``)."""
SECRET_KEY_KEY = "joblook_secret_key"  # noqa: S105  (a conf key's name, not a secret)
"""JOBLOOK_SECRET_KEY, which decrypts the secrets a task asks for. Celery shows a key whose name
has SECRET or KEY in it masked (``inspect conf``, Flower)."""
GPUS_KEY = "joblook_gpus"
"""The worker's GPU ids (``joblook worker --gpus``); in Celery's conf, so Flower's worker page
shows them."""
ARTIFACTS_KEY = "joblook_artifacts_secret_options"
"""How to keep artifacts (``artifacts.ArtifactOptions``). SECRET in the name, because it may hold
the S3 secret: Celery masks keys named so wherever it shows its configuration (Flower too)."""


class CommandFailed(Exception):
    """The command failed, timed out or could not start; raised so Flower shows FAILURE."""

    def __init__(self, exit_code: int | None, reason: str | None = None) -> None:
        super().__init__(exit_code, reason)  # args stay JSON-serialisable for the result backend
        self.exit_code = exit_code
        self.reason = reason

    def __str__(self) -> str:
        return self.reason or f"command exited with code {self.exit_code}"


def run(
    self: Task,
    cmd: Command,
    timeout: float | None = None,
    later_steps: list[str] | None = None,
    *,
    queue: str | None = None,
    gpus: int = 0,
    limits: list[list[object]] | None = None,
    secrets: list[str] | None = None,
) -> dict[str, object]:
    """The run task (``worker_celery`` registers it as ``RUN_TASK``): run ``cmd`` (a string with
    ``/bin/sh -c``, a list as an argv without a shell); its output goes to
    ``<logs_dir>/<task id>.jsonl``.

    ``timeout`` (seconds) defaults to ``JOBLOOK_DEFAULT_TIMEOUT``; past it the command is killed.
    ``later_steps``: the task ids after this one in a chain, closed as REVOKED unless it succeeds
    (Celery then never runs them).
    ``queue``, ``gpus`` and ``limits``: where it was sent, the GPUs it needs and the concurrency
    limits it counts against; until they let it run it waits, parked (``admission.py``).
    ``secrets``: the names of the secrets the command gets as environment variables, masked in
    its output; only names travel in the message, the values are read and decrypted here.
    """
    conf, task_id, logs_dir = self.app.conf, self.request.id, Path(self.app.conf[LOGS_DIR_KEY])
    limited = [(str(scope), int(str(limit))) for scope, limit in limits or []]
    ask = Ask(task_id, queue or DEFAULT_QUEUE, limited, gpus)
    # Claimed first, so a second delivery of a running task stops here and never touches the
    # slots the running one holds; a task that parks gives its claim back (``_admission``).
    _claim_or_skip(conf[REDIS_URL_KEY], task_id, logs_dir, later_steps or [])
    values = _secret_values(conf, task_id, logs_dir, secrets or [], later_steps or [])
    with _admission(self, ask) as gpu_ids:
        heartbeat = Heartbeat(_redis(conf[REDIS_URL_KEY]), task_id, conf[WORKER_LOST_KEY])
        workspace, began = _workspace(conf, task_id), time.monotonic()
        with (
            heartbeat,
            CancelWatcher(conf[REDIS_URL_KEY], task_id) as cancel,
            worker_metrics.running() as ended,
            workspace as kept,
        ):
            outcome = execute(
                task_id,
                cmd,
                logs_dir,
                timeout=conf[DEFAULT_TIMEOUT_KEY] if timeout is None else timeout,
                cancel=cancel,
                kill_grace=conf[KILL_GRACE_KEY],
                max_log_bytes=conf[MAX_LOG_BYTES_KEY],
                gpu_ids=gpu_ids,
                artifacts=kept,
                secrets=values,
            )
            ended(outcome.state.value)
    spent = time.monotonic() - began
    finished = Ended(task_id, cmd, outcome.state.value, outcome.exit_code, spent)
    _announce(self, finished, logs_dir, queue)
    if outcome.state is not State.SUCCESS and later_steps:
        _close_unrun(later_steps, logs_dir, f"not run: step {task_id} ended {outcome.state}")
    if outcome.state is State.REVOKED:
        _report_revoked(self, outcome.message)
    if outcome.state is not State.SUCCESS:
        raise CommandFailed(outcome.exit_code, outcome.message)
    return {"exit_code": 0} | ({"gpu_ids": gpu_ids} if gpu_ids else {})


def _announce(task: Task, ended: Ended, logs_dir: Path, queue: str | None) -> None:
    """Queue the notice of the task's end; a Redis or broker that fails costs the notice only."""
    client = _redis(task.app.conf[REDIS_URL_KEY])
    log_path = logs_dir / f"{ended.task_id}.jsonl"
    try:
        announce(task.app, client, ended, log_path, queue=queue or DEFAULT_QUEUE)
    except Exception:
        logger.exception("task %s: could not queue its notice", ended.task_id)


def _workspace(conf: dict[str, object], task_id: str) -> ContextManager[Workspace | None]:
    """The task's ``$JOBLOOK_ARTIFACTS``, removed after the block; none without options (a worker
    app built without them, as some tests build it)."""
    options = conf.get(ARTIFACTS_KEY)
    if not isinstance(options, ArtifactOptions):
        return nullcontext()
    return options.workspace(task_id)


@contextmanager
def _admission(task: Task, ask: Ask) -> Iterator[list[str] | None]:
    """The GPU ids the command may see while the block runs (None: leave CUDA_VISIBLE_DEVICES be,
    on a worker without GPUs); raises Ignore when the task must wait, parked."""
    conf = task.app.conf
    worker_gpus: list[str] = list(conf.get(GPUS_KEY) or [])
    if not ask.limits and not ask.gpus:
        yield [] if worker_gpus else None
        return
    client = _redis(conf[REDIS_URL_KEY])
    slots = Slots(client)
    if read_cancel(client, ask.task_id) is not None:  # ends REVOKED without waiting its turn
        slots.forget(ask.task_id, ask.scopes)
        wake_after(task.app, slots, ask)  # the tasks in line after it go on without it
        yield [] if worker_gpus else None
        return
    spec = {"args": list(task.request.args), "kwargs": dict(task.request.kwargs or {}),
            "queue": ask.queue, "chain": task.request.chain}  # fmt: skip
    pool, lease = (task.request.hostname or owner_name(), worker_gpus), conf[WORKER_LOST_KEY]
    try:
        with admitted(task.app, slots, ask, spec=spec, pool=pool, lease=lease) as gpu_ids:
            yield gpu_ids
    except Parked as exc:
        unclaim(client, ask.task_id, owner_name())  # the delivery that wakes it claims it again
        _report_waiting(task, exc)


def _report_waiting(task: Task, parked: Parked) -> NoReturn:
    """Give the worker process back; Flower shows the task as RETRY with what it waits for."""
    logger.info("task %s parked: %s", parked.task_id, parked)
    if not task.request.is_eager:
        task.send_event("task-retried", exception=str(parked), traceback="")
    raise Ignore(str(parked))


def _claim_or_skip(redis_url: str, task_id: str, logs_dir: Path, later_steps: list[str]) -> None:
    """Return if this delivery may run the task; raise Ignore if another one already did.

    When Redis cannot be asked, the task fails unrun (as Celery and Flower will show it), and so
    do the chain steps after it, which Celery will never run.
    """
    try:
        holder = claim(_redis(redis_url), task_id, owner_name())
    except ClaimUnavailable as exc:
        raise _failed_unrun(task_id, logs_dir, later_steps, exc) from exc
    if holder is not None:
        message = f"delivered again after {holder} took it: not running it twice"
        logger.warning("task %s %s", task_id, message)
        raise Ignore(message)


def _secret_values(
    conf: Mapping[str, Any], task_id: str, logs_dir: Path, names: list[str], later: list[str]
) -> dict[str, str]:
    """The values of the secrets named; when one cannot be had, the task fails unrun."""
    if not names:
        return {}
    try:
        return SecretStore(_redis(conf[REDIS_URL_KEY]), conf[SECRET_KEY_KEY]).values(names)
    except SecretError as exc:
        raise _failed_unrun(task_id, logs_dir, later, exc) from None


def _failed_unrun(
    task_id: str, logs_dir: Path, later_steps: list[str], why: Exception
) -> CommandFailed:
    """End the task's log FAILURE "not run: <why>" (and its later chain steps', which Celery will
    never run); returns the error to raise, so Flower shows the failure."""
    message = f"not run: {why}"
    logger.error("task %s: %s", task_id, message)
    _close_log(task_id, logs_dir, State.FAILURE, message)
    _close_unrun(later_steps, logs_dir, f"not run: step {task_id} ended {State.FAILURE}")
    return CommandFailed(None, message)


def _report_revoked(task: Task, message: str) -> NoReturn:
    """Leave the task REVOKED in the result backend and in Flower, as Celery's own revoke does."""
    if not task.request.is_eager:
        task.backend.mark_as_revoked(task.request.id, message, request=task.request)
        task.send_event("task-revoked", terminated=True, signum=None, expired=False)
    raise Ignore(message)


def _close_unrun(task_ids: list[str], logs_dir: Path, message: str) -> None:
    """End the logs of chain steps Celery will never run with REVOKED."""
    for task_id in task_ids:
        _close_log(task_id, logs_dir, State.REVOKED, message)


def _close_log(task_id: str, logs_dir: Path, state: State, message: str) -> None:
    """End a task's log with ``state`` without running anything."""
    try:
        with TaskLogWriter(logs_dir, task_id) as log:
            log.write_status(state, None, message)
    except (OSError, ValueError) as exc:
        logger.warning("could not close the log of unrun task %r: %s", task_id, exc)
