"""Kill a command's whole process tree: SIGTERM, a grace period, then SIGKILL.

The tree is the shell's process group plus every descendant that psutil finds, collected *before*
the first signal: a child that called ``setsid`` has left the group, and once its parent dies it is
re-parented away and can no longer be found. The kill is a small state machine the runner advances
between reads, so output written while the command shuts down is still copied. (A process forked
after the collection into a session of its own escapes; only a cgroup is a hard boundary.)
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import time
from collections.abc import Iterable

import psutil

logger = logging.getLogger(__name__)

POLL = 0.05
"""Seconds between checks of which processes are left, while a kill runs."""
KILL_SETTLE = 1.0
"""After SIGKILL, the longest wait for the tree to be gone (a process stuck in the kernel)."""


class TreeKill:
    """One kill of ``shell``'s tree, begun with SIGTERM at construction."""

    def __init__(self, shell: subprocess.Popen[bytes], grace: float) -> None:
        self._shell = shell
        self._members = _descendants([_process(shell.pid)])
        self._kill_at = time.monotonic() + grace
        self.killed = False
        """True once SIGKILL went out."""
        logger.info("killing process tree of %d: %d processes", shell.pid, len(self._members))
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
        self._shell.poll()  # reap the shell: a zombie child would never count as gone
        self._members = {p for p in self._members if _alive(p)}
        if not self.killed and time.monotonic() >= self._kill_at:
            self._members = _descendants(self._members)  # and what they forked since SIGTERM
            left = len(self._members)
            logger.info("process tree of %d: SIGKILL to the %d left", self._shell.pid, left)
            self._send(signal.SIGKILL)
            self.killed = True
        if not self._members:
            # Nothing known is left; sweep the group for a member forked after the collection.
            _signal_group(self._shell.pid, signal.SIGKILL)

    def _send(self, sig: signal.Signals) -> None:
        _signal_group(self._shell.pid, sig)
        for process in self._members:
            with contextlib.suppress(psutil.Error):  # gone already, or never ours to signal
                process.send_signal(sig)  # checks that the pid was not reused


def kill_tree(shell: subprocess.Popen[bytes], grace: float) -> None:
    """Kill ``shell``'s tree and wait until it is gone (at most ``grace`` + :data:`KILL_SETTLE`)."""
    kill = TreeKill(shell, grace)
    kill.advance()
    while not kill.finished:
        time.sleep(kill.wait_time())
        kill.advance()


def _process(pid: int) -> psutil.Process | None:
    try:
        return psutil.Process(pid)
    except psutil.Error:
        return None


def _descendants(roots: Iterable[psutil.Process | None]) -> set[psutil.Process]:
    """The ``roots`` that exist and all their descendants."""
    found: set[psutil.Process] = set()
    for root in roots:
        if root is None:
            continue
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
