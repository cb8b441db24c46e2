"""Run one shell command and write its output, live, to the task's log file.

Plain functions, no Celery: the task in ``tasks.py`` only calls them. A command given as a string
runs as ``/bin/sh -c CMD``; one given as a list (a named job's argv) runs as is, with no shell to
interpret its arguments. Either way it runs in its own session (so its process group can be
signalled as one), stdin from /dev/null, stdout and stderr on separate pipes; ``supervisor.py``
copies them and, on a cancel or a timeout, kills the whole process tree (``killing.py``).
"""

from __future__ import annotations

import logging
import math
import os
import signal
import socket
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from joblook.record import State
from joblook.settings import DEFAULT_KILL_GRACE, DEFAULT_MAX_LOG_BYTES
from joblook.worker.artifacts import ENV_NAME as ARTIFACTS_ENV
from joblook.worker.artifacts import Workspace
from joblook.worker.cancelwatch import CancelSignal
from joblook.worker.commandenv import command_environment
from joblook.worker.guard import Guard
from joblook.worker.killing import kill_tree
from joblook.worker.logfile import TaskLogWriter
from joblook.worker.supervisor import Supervisor, close_pipes

logger = logging.getLogger(__name__)

Command = str | list[str]
"""A shell command line, or an argv to run without a shell."""


@dataclass(frozen=True)
class Outcome:
    """How a task ended: what its terminal status record says."""

    state: State
    exit_code: int | None
    message: str


def execute(
    task_id: str,
    cmd: Command,
    logs_dir: Path,
    *,
    timeout: float | None = None,
    cancel: CancelSignal | None = None,
    kill_grace: float = DEFAULT_KILL_GRACE,
    max_log_bytes: int = DEFAULT_MAX_LOG_BYTES,
    pause_flush: float = 0.1,
    gpu_ids: list[str] | None = None,
    artifacts: Workspace | None = None,
    secrets: Mapping[str, str] | None = None,
) -> Outcome:
    """Run ``cmd``, log STARTED, its output and a terminal status; return that status.

    A command killed by signal N exits 128+N, like in a shell. Past ``timeout`` seconds, or when
    ``cancel`` fires, its process tree gets SIGTERM, then SIGKILL after ``kill_grace`` seconds,
    and the task ends FAILURE ("timed out after N s") or REVOKED ("cancelled by ..."). A task
    cancelled before it starts logs only its REVOKED status. If this function is interrupted
    (exception, KeyboardInterrupt, SystemExit), the tree is killed and a FAILURE status still
    written when possible, then the interruption propagates. Past ``max_log_bytes`` of output the
    log keeps its head and tail, with a marker between, written before the terminal status.
    ``gpu_ids``: the GPUs the command may see (CUDA_VISIBLE_DEVICES); None leaves it alone.
    ``artifacts``: the directory the command gets as ``$JOBLOOK_ARTIFACTS``, kept once it ends
    and before the terminal status is written.
    ``secrets``: environment variables the command gets whose values are masked in its output.
    """
    with (
        TaskLogWriter(logs_dir, task_id, max_log_bytes) as log,
        Guard(log.path, kill_grace) as guard,
    ):
        outcome = _refusal(timeout, cancel)
        if outcome is None:
            log.write_status(State.STARTED, None, f"started on {socket.gethostname()}")
            outcome = _run(
                cmd,
                log,
                guard,
                timeout=timeout,
                cancel=cancel,
                kill_grace=kill_grace,
                pause_flush=pause_flush,
                gpu_ids=gpu_ids,
                artifacts=artifacts,
                secrets=secrets or {},
            )
            _keep_artifacts(log.task_id, artifacts)
        log.write_status(outcome.state, outcome.exit_code, outcome.message)
        return outcome


def _keep_artifacts(task_id: str, artifacts: Workspace | None) -> None:
    """Store what the command left; a store that fails costs the artifacts, never the task."""
    if artifacts is None:
        return
    try:
        artifacts.keep()
    except Exception:  # S3 away, a full disk: logged, and the task still ends as it did
        logger.exception("task %s: could not keep its artifacts", task_id)


def describe_exit(returncode: int) -> tuple[int, str]:
    """A shell-style exit code (signal N is 128+N) and the status message that explains it."""
    if returncode >= 0:
        return returncode, f"exited with code {returncode}"
    signum = -returncode
    try:
        name = signal.Signals(signum).name
    except ValueError:
        name = f"signal {signum}"
    return 128 + signum, f"killed by signal {name}"


def _refusal(timeout: object, cancel: CancelSignal | None) -> Outcome | None:
    """Why the command must not start at all, or None."""
    request = cancel.request if cancel is not None else None
    if request is not None:
        return Outcome(State.REVOKED, None, f"{request.message} before it started")
    if timeout is not None and not _is_seconds(timeout):
        return Outcome(State.FAILURE, None, f"invalid timeout {timeout!r}: not a number > 0")
    return None


def _is_seconds(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value) and value > 0


def _run(
    cmd: Command,
    log: TaskLogWriter,
    guard: Guard,
    *,
    timeout: float | None,
    cancel: CancelSignal | None,
    kill_grace: float,
    pause_flush: float,
    gpu_ids: list[str] | None = None,
    artifacts: Workspace | None = None,
    secrets: Mapping[str, str],
) -> Outcome:
    try:
        proc = _spawn(cmd, gpu_ids, artifacts, secrets)
    except Exception as exc:  # whatever stops the exec, the task must still end
        # Not only OSError: Popen raises ValueError for a NUL in an argument, TypeError for a
        # non-string one (a message forged on the broker). Escaping here left the task STARTED.
        logger.error("task %s: could not start %r: %r", log.task_id, cmd, exc)
        return Outcome(State.FAILURE, None, f"could not start: {exc}")
    supervisor: Supervisor | None = None
    try:  # from here on, an interruption must not leave the command running
        guard.watch(proc.pid)
        supervisor = Supervisor(
            proc,
            log,
            timeout=timeout,
            cancel=cancel,
            kill_grace=kill_grace,
            pause_flush=pause_flush,
            secrets=[value.encode() for value in secrets.values()],
        )
        stop = supervisor.run()
        exit_code, how = describe_exit(proc.wait())
    except BaseException as exc:
        _interrupted(proc, supervisor, log, exc, kill_grace)
        raise
    finally:
        if supervisor is not None:
            supervisor.close()
    if stop is not None:
        logger.info("task %s: %s (%s)", log.task_id, stop.message, how)
        return Outcome(stop.state, exit_code, stop.message)
    return Outcome(State.SUCCESS if exit_code == 0 else State.FAILURE, exit_code, how)


def _spawn(
    cmd: Command,
    gpu_ids: list[str] | None,
    artifacts: Workspace | None,
    secrets: Mapping[str, str],
) -> subprocess.Popen[bytes]:
    env = command_environment(os.environ, gpu_ids, secrets)
    if artifacts is not None:
        env[ARTIFACTS_ENV] = str(artifacts.directory)
    return subprocess.Popen(
        list(cmd) if isinstance(cmd, list) else ["/bin/sh", "-c", cmd],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,
    )


def _interrupted(
    proc: subprocess.Popen[bytes],
    supervisor: Supervisor | None,
    log: TaskLogWriter,
    exc: BaseException,
    kill_grace: float,
) -> None:
    """Kill the command's process tree, keep what it wrote, and end the log with FAILURE.

    Without a supervisor (interrupted while it was being set up) the output is not copied.
    """
    logger.warning("task %s interrupted by %r; killing its processes", log.task_id, exc)
    try:
        if supervisor is None:
            kill_tree(proc, kill_grace)
            close_pipes(proc)
        else:
            supervisor.interrupt()
    except (OSError, ValueError):
        logger.exception("task %s: could not write its last output", log.task_id)
    exit_code, how = describe_exit(proc.wait())
    try:
        log.write_status(State.FAILURE, exit_code, f"interrupted ({type(exc).__name__}); {how}")
    except (OSError, ValueError):
        logger.exception("task %s: could not write its final status", log.task_id)
