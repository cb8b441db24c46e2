"""The supervisor and Python's signal handlers: wake up for them, and hold them off mid-copy.

A handler that raises (a shutdown, a soft time limit) stops the task wherever the main thread is.
Two places need care:

* The supervisor blocks in ``select()`` while the command is quiet. A signal whose C-level handler
  runs just before the main thread enters ``epoll_wait`` (it was busy, or the kernel gave the
  signal to another thread, such as the cancel watcher's) interrupts nothing: its Python handler
  waits until the wait ends, for a quiet command maybe never. :class:`SignalWakeup` makes every
  signal also write a byte (``signal.set_wakeup_fd``) to a pipe the selector watches.
* The pump moves output from a pipe into the log: once ``os.read`` returned, that output lives only
  in Python objects until it is logged or held for the tail. An exception in between lost it
  uncounted (the elision marker came up short by one read). :func:`signals_deferred` blocks the
  signals around such a step, so the handler runs just after it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator

from joblook.closing import Closing

_FAULTS = {signal.SIGSEGV, signal.SIGBUS, signal.SIGFPE, signal.SIGILL, signal.SIGTRAP}
# A fault is raised by the faulting thread itself and cannot wait; the rest can.
_DEFERRABLE = signal.valid_signals() - _FAULTS


def _in_main_thread() -> bool:
    """Python runs signal handlers in the main thread only; elsewhere there is nothing to do."""
    return threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """Run the block with signals blocked; their handlers run (and may raise) right after it."""
    if not _in_main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _DEFERRABLE)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


class SignalWakeup(Closing):
    """A descriptor that turns readable when a signal arrives; ``fileno()`` is None off the main
    thread, where ``set_wakeup_fd`` is not allowed (and no handler would run anyway)."""

    def __init__(self) -> None:
        self._read: int | None = None
        self._write: int | None = None
        self._previous = -1
        if not _in_main_thread():
            return
        self._read, self._write = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        # Another owner (none in the worker) gets its descriptor back on close; while the command
        # runs, this loop is the only one the main thread runs.
        self._previous = signal.set_wakeup_fd(self._write, warn_on_full_buffer=False)

    def fileno(self) -> int | None:
        return self._read

    def clear(self) -> None:
        """Empty the pipe: its bytes only woke the selector, the handlers do the work."""
        if self._read is None:
            return
        with contextlib.suppress(BlockingIOError):
            while os.read(self._read, 4096):
                pass

    def close(self) -> None:
        if self._read is None or self._write is None:
            return
        signal.set_wakeup_fd(self._previous)
        os.close(self._read)
        os.close(self._write)
        self._read = self._write = None
