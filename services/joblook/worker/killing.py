"""Kill a command's whole process tree: SIGTERM, a grace period, then SIGKILL.

A command runs in a session of its own, whose id (and process group's) is its shell's pid. The tree
is every process of that session or group plus every descendant of theirs that psutil finds,
collected *before* the first signal: a child that called ``setsid`` has left the session, and once
its parent dies it is re-parented away and can no longer be found. The kill is a small state
machine the runner advances between reads, so output written while the command shuts down is still
copied; the guardian (``guardian.py``) runs the same kill when the worker is gone. (A process forked
after the collection into a session of its own escapes; only a cgroup is a hard boundary.)
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import time
from collections.abc import Callable, Iterable

import psutil

logger = logging.getLogger(__name__)

POLL = 0.05
"""Seconds between checks of which processes are left, while a kill runs."""
KILL_SETTLE = 1.0
"""After SIGKILL, the longest wait for the tree to be gone (a process stuck in the kernel)."""


def _nothing() -> None:
    return None


class TreeKill:
    """One kill of the tree of ``session``, begun with SIGTERM at construction.

    ``reap``: called before each look at who is left; the parent of the session's leader passes
    ``Popen.poll``, since its zombie child would never count as gone.
    """

    def __init__(self, session: int, grace: float, reap: Callable[[], object] = _nothing) -> None:
        self._session = session
        self._reap = reap
        self._members = session_tree(session)
        self._kill_at = time.monotonic() + grace
        self.killed = False
        """True once SIGKILL went out."""
        logger.info("killing process tree of %d: %d processes", session, len(self._members))
        self._send(signal.SIGTERM)
        self._send(signal.SIGCONT)  # a stopped process acts on SIGTERM only once continued

    @property
    def finished(self) -> bool:
        """Every process of the tree is gone, or SIGKILL went out and had time to work."""
        return not self._members or time.monotonic() >= self._kill_at + KILL_SETTLE

    def wait_time(self) -> float:
        """How long the caller may block before calling :meth:`advance` again."""
        if self.killed:
            return POLL
        return max(0.0, min(POLL, self._kill_at - time.monotonic()))

    def advance(self) -> None:
        """Forget the dead; once the grace period is over, SIGKILL whatever is left."""
        self._reap()
        self._members = {p for p in self._members if _alive(p)}
        if not self.killed and time.monotonic() >= self._kill_at:
            self._members = _descendants(self._members)  # and what they forked since SIGTERM
            left = len(self._members)
            logger.info("process tree of %d: SIGKILL to the %d left", self._session, left)
            self._send(signal.SIGKILL)
            self.killed = True
        if not self._members:
            # Nothing known is left; sweep the group for a member forked after the collection.
            _signal_group(self._session, signal.SIGKILL)

    def _send(self, sig: signal.Signals) -> None:
        _signal_group(self._session, sig)
        for process in self._members:
            with contextlib.suppress(psutil.Error):  # gone already, or never ours to signal
                process.send_signal(sig)  # checks that the pid was not reused


def kill_tree(session: int, grace: float, reap: Callable[[], object] = _nothing) -> None:
    """Kill the tree of ``session`` and wait until it is gone (at most ``grace`` +
    :data:`KILL_SETTLE`); ``reap`` as for :class:`TreeKill`."""
    kill = TreeKill(session, grace, reap)
    kill.advance()
    while not kill.finished:
        time.sleep(kill.wait_time())
        kill.advance()


def session_tree(session: int) -> set[psutil.Process]:
    """The processes of ``session`` or of the process group ``session``, and their descendants."""
    return _descendants(p for p in psutil.process_iter() if _belongs(p.pid, session))


def _belongs(pid: int, session: int) -> bool:
    try:
        return session in (os.getpgid(pid), os.getsid(pid))
    except OSError:  # gone meanwhile
        return False


def _descendants(roots: Iterable[psutil.Process]) -> set[psutil.Process]:
    """The ``roots`` and all their descendants."""
    found: set[psutil.Process] = set()
    for root in roots:
        found.add(root)
        with contextlib.suppress(psutil.Error):  # exited meanwhile: no children left to find
            found.update(root.children(recursive=True))
    return found


def _alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _signal_group(pgid: int, sig: int) -> None:
    # ProcessLookupError: the group is empty (PermissionError: its id went to someone else).
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)
