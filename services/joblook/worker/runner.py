"""Run one shell command and write its output, live, to the task's log file.

A plain function, no Celery: the task in ``tasks.py`` only calls it. The command runs as
``/bin/sh -c CMD`` in its own session (so its whole process tree can be signalled as one group),
stdin from /dev/null, stdout and stderr on separate pipes that one selector waits on. Nothing
sleeps: a lone line is written the moment it is read; the ~100 ms timeout only runs while a
stream holds a partial line, to flush it when the command pauses.
"""

from __future__ import annotations

import logging
import os
import selectors
import signal
import socket
import subprocess
import time
from pathlib import Path

from joblook.record import STDERR, STDOUT, State
from joblook.worker.chunker import Chunker
from joblook.worker.logfile import TaskLogWriter

logger = logging.getLogger(__name__)

READ_SIZE = 64 * 1024
KILL_GRACE = 2.0
"""Seconds an interrupted command gets between SIGTERM and SIGKILL."""
CANNOT_START = 127
"""Returned (status exit_code null) when /bin/sh itself could not start, like a shell's 127."""


def run_command(task_id: str, cmd: str, logs_dir: Path, *, pause_flush: float = 0.1) -> int:
    """Run ``cmd``, log STARTED, its output and a terminal status; return its exit code.

    A command killed by signal N returns 128+N, like a shell. If this function is interrupted
    (exception, KeyboardInterrupt, SystemExit), the command's process group is killed and a
    FAILURE status still written when possible, then the interruption propagates.
    """
    with TaskLogWriter(logs_dir, task_id) as log:
        log.write_status(State.STARTED, None, f"started on {socket.gethostname()}")
        try:
            proc = _spawn(cmd)
        except OSError as exc:
            logger.warning("task %s: could not start %r: %s", task_id, cmd, exc)
            log.write_status(State.FAILURE, None, f"could not start: {exc}")
            return CANNOT_START
        chunkers = {STDOUT: Chunker(), STDERR: Chunker()}
        try:
            _pump(proc, chunkers, log, pause_flush)
            exit_code, message = describe_exit(proc.wait())
        except BaseException as exc:
            _interrupted(proc, chunkers, log, exc)
            raise
        finally:
            _close_pipes(proc)
        log.write_status(State.SUCCESS if exit_code == 0 else State.FAILURE, exit_code, message)
        return exit_code


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


def _spawn(cmd: str) -> subprocess.Popen[bytes]:
    # Unbuffered Python output; other programs line-buffer or not on a pipe as they choose.
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        ["/bin/sh", "-c", cmd],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,
    )


def _pump(
    proc: subprocess.Popen[bytes],
    chunkers: dict[str, Chunker],
    log: TaskLogWriter,
    pause_flush: float,
) -> None:
    """Copy both pipes into the log until both reach end of file."""
    last_read: dict[str, float] = {}
    with selectors.DefaultSelector() as selector:
        for pipe, stream in ((proc.stdout, STDOUT), (proc.stderr, STDERR)):
            assert pipe is not None
            selector.register(pipe.fileno(), selectors.EVENT_READ, stream)
        while selector.get_map():
            timeout = _pause_timeout(chunkers, last_read, pause_flush)
            for key, _ in selector.select(timeout):
                stream, chunker = key.data, chunkers[key.data]
                data = os.read(key.fd, READ_SIZE)
                if data:
                    log.write_output(stream, chunker.feed(data))
                    last_read[stream] = time.monotonic()
                else:
                    selector.unregister(key.fd)
                    log.write_output(stream, chunker.finish())
            _flush_paused(chunkers, last_read, pause_flush, log)


def _pause_timeout(
    chunkers: dict[str, Chunker], last_read: dict[str, float], pause: float
) -> float | None:
    """None (block) unless a stream holds a partial line: then until that stream's pause ends."""
    deadlines = [last_read[s] + pause for s, c in chunkers.items() if c.has_pending]
    if not deadlines:
        return None
    return max(0.0, min(deadlines) - time.monotonic())


def _flush_paused(
    chunkers: dict[str, Chunker], last_read: dict[str, float], pause: float, log: TaskLogWriter
) -> None:
    now = time.monotonic()
    for stream, chunker in chunkers.items():
        if chunker.has_pending and now - last_read[stream] >= pause:
            log.write_output(stream, chunker.flush())


def _interrupted(
    proc: subprocess.Popen[bytes],
    chunkers: dict[str, Chunker],
    log: TaskLogWriter,
    exc: BaseException,
) -> None:
    """Kill the command's process group, keep what it wrote, and end the log with FAILURE."""
    logger.warning("task %s interrupted by %r; killing its processes", log.task_id, exc)
    _kill_group(proc)
    exit_code, how = describe_exit(proc.wait())
    try:
        for stream, chunker in chunkers.items():
            log.write_output(stream, chunker.finish())
        log.write_status(State.FAILURE, exit_code, f"interrupted ({type(exc).__name__}); {how}")
    except (OSError, ValueError):
        logger.exception("task %s: could not write its final status", log.task_id)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the whole group, give it a short grace to exit, then SIGKILL what is left."""
    _signal_group(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + KILL_GRACE
    while time.monotonic() < deadline and _signal_group(proc.pid, 0):
        proc.poll()  # reap the shell, or it would count as a live member forever
        time.sleep(0.02)
    _signal_group(proc.pid, signal.SIGKILL)
    proc.wait()


def _signal_group(pgid: int, sig: int) -> bool:
    """Send ``sig`` (0: just probe) to the group; False when no process is left in it."""
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        return False
    return True


def _close_pipes(proc: subprocess.Popen[bytes]) -> None:
    for pipe in (proc.stdout, proc.stderr):
        if pipe is not None:
            pipe.close()
