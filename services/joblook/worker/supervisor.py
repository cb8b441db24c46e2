"""Watch one running command: copy its output, and kill its tree on a cancel or a timeout.

One selector waits on everything at once: the two pipes, the cancel signal's descriptor, a
pidfd of the shell (so a shell that closed its pipes is still seen to exit) and a pipe that
signals write to (so a signal handler runs at once, ``signals.py``). A kill does not stop
the copying: the pipes are read until end of file, or until every process of the tree is gone,
so a grandchild that keeps a pipe open cannot hold the task after the kill.
"""

from __future__ import annotations

import os
import selectors
import subprocess
import time
from collections.abc import Collection
from dataclasses import dataclass

from joblook.closing import Closing
from joblook.record import State
from joblook.worker.cancelwatch import CancelSignal
from joblook.worker.killing import TreeKill, kill_tree
from joblook.worker.logfile import TaskLogWriter
from joblook.worker.pump import OutputPump
from joblook.worker.signals import SignalWakeup

EXIT_POLL = 0.05
"""Without a pidfd: seconds between checks of whether a shell with closed pipes has exited."""
_CANCEL = "cancel"  # selector key data, beside the pump's stream names
_EXITED = "exited"
_SIGNAL = "signal"


@dataclass(frozen=True)
class Stop:
    """Why the command was killed: the terminal state and note to report."""

    state: State
    message: str


class Supervisor(Closing):
    def __init__(
        self,
        proc: subprocess.Popen[bytes],
        log: TaskLogWriter,
        *,
        timeout: float | None,
        cancel: CancelSignal | None,
        kill_grace: float,
        pause_flush: float,
        secrets: Collection[bytes] = (),
    ) -> None:
        """``secrets``: values masked in the output (``masking.py``)."""
        self._proc = proc
        self._timeout = timeout
        self._deadline = None if timeout is None else time.monotonic() + timeout
        self._cancel = cancel
        self._grace = kill_grace
        self._kill: TreeKill | None = None
        self.stop: Stop | None = None
        self._selector = selectors.DefaultSelector()
        self._pump = OutputPump(proc, log, self._selector, pause_flush, secrets)
        self._pidfd = _pidfd(proc.pid)
        if self._pidfd is not None:
            self._selector.register(self._pidfd, selectors.EVENT_READ, _EXITED)
        if cancel is not None:
            self._selector.register(cancel.fileno(), selectors.EVENT_READ, _CANCEL)
        self._wakeup = SignalWakeup()
        wakeup_fd = self._wakeup.fileno()
        if wakeup_fd is not None:
            self._selector.register(wakeup_fd, selectors.EVENT_READ, _SIGNAL)

    def run(self) -> Stop | None:
        """Copy output until the pipes close and the shell exits; None unless it was killed."""
        while not self._done():
            for key, _ in self._selector.select(self._wait_time()):
                self._handle(key)
            self._pump.flush_paused()
            if self._timed_out():
                self._begin_kill(Stop(State.FAILURE, f"timed out after {self._timeout:g} s"))
            if self._kill is not None:
                self._kill.advance()
        self._pump.drain()
        self._pump.finish()
        return self.stop

    def interrupt(self) -> None:
        """Something went wrong in the caller: kill the tree now and keep what it wrote."""
        kill_tree(self._proc.pid, self._grace, self._proc.poll)
        self._pump.drain()
        self._pump.finish()

    def close(self) -> None:
        self._selector.close()
        self._wakeup.close()
        if self._pidfd is not None:
            os.close(self._pidfd)
        close_pipes(self._proc)

    def _done(self) -> bool:
        if self._kill is not None:
            return self._kill.finished
        return not self._pump.open and self._proc.poll() is not None

    def _timed_out(self) -> bool:
        return (
            self._kill is None and self._deadline is not None and time.monotonic() >= self._deadline
        )

    def _wait_time(self) -> float | None:
        waits = [self._pump.pause_timeout()]
        if self._kill is not None:
            waits.append(self._kill.wait_time())
        elif self._deadline is not None:
            waits.append(max(0.0, self._deadline - time.monotonic()))
        if self._pidfd is None and not self._pump.open:
            waits.append(EXIT_POLL)
        return min((w for w in waits if w is not None), default=None)

    def _handle(self, key: selectors.SelectorKey) -> None:
        if self._pump.handles(key):
            self._pump.read(key)
            return
        if key.data == _SIGNAL:
            self._wakeup.clear()  # its handler has run (or raised) by now; keep watching
            return
        self._selector.unregister(key.fd)  # both stay readable: one event is all they have to say
        if key.data == _CANCEL:
            assert self._cancel is not None
            request = self._cancel.request
            self._begin_kill(Stop(State.REVOKED, request.message if request else "cancelled"))

    def _begin_kill(self, stop: Stop) -> None:
        if self._kill is None:
            self.stop = stop
            self._kill = TreeKill(self._proc.pid, self._grace, self._proc.poll)


def close_pipes(proc: subprocess.Popen[bytes]) -> None:
    """Close our ends of the command's stdout and stderr."""
    for pipe in (proc.stdout, proc.stderr):
        if pipe is not None:
            pipe.close()


def _pidfd(pid: int) -> int | None:
    """A descriptor that turns readable when ``pid`` exits; None where Linux's pidfd is missing."""
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return None
