"""The worker's side of the guardian (guardian.py): one per command, released at the end.

If the worker dies before :meth:`Guard.close`, the guardian kills the command's tree and ends
its log with "worker lost". A guardian that cannot start costs only that protection, never the task.
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys
from pathlib import Path

from joblook.closing import Closing
from joblook.worker.guardian import RELEASE

logger = logging.getLogger(__name__)

# The guardian waits as a shell, which starts in a millisecond; only when the worker is gone
# (end of file before the release line) does it become Python to do the work.
_WAIT_THEN_GUARD = 'IFS= read -r _ || exec "$1" -I -m joblook.worker.guardian "$2" "$3" "$4"'

EXIT_WAIT = 5.0
"""Longest wait for a released guardian to exit (it is reaped, never left a zombie)."""


class Guard(Closing):
    """Holds the write end of the guardian's pipe; use it as a context around the task."""

    def __init__(self, log_file: Path, kill_grace: float) -> None:
        self._log_file = log_file
        self._grace = kill_grace
        self._write_end: int | None = None
        self._guardian: subprocess.Popen[bytes] | None = None

    def watch(self, session: int) -> None:
        """Start a guardian for the command whose session (and process group) is ``session``."""
        read_end, self._write_end = os.pipe()  # not inherited: only we hold the write end
        # Kept before the guardian starts: an interruption (a signal handler raising) right after
        # the start must still find it in close(), release the guardian and not leave it waiting.
        try:
            self._guardian = subprocess.Popen(
                ["/bin/sh", "-c", _WAIT_THEN_GUARD, "joblook-guardian", sys.executable,
                 str(session), str(self._log_file), str(self._grace)],
                stdin=read_end,
                stdout=subprocess.DEVNULL,
                start_new_session=True,  # a kill of the worker's process group spares it
            )  # fmt: skip
        except OSError as exc:
            os.close(self._write_end)
            self._write_end = None
            logger.warning("no guardian for %s: %s", self._log_file.name, exc)
        finally:
            os.close(read_end)

    def close(self) -> None:
        """The task ended and its status is written: the guardian may exit."""
        if self._write_end is None:
            return
        with contextlib.suppress(OSError):  # the guardian is gone already: nothing to tell
            os.write(self._write_end, RELEASE)
        os.close(self._write_end)
        self._write_end = None
        if self._guardian is None:  # interrupted while it started: it got the release all the same
            return
        try:
            self._guardian.wait(EXIT_WAIT)  # a few ms: it only has to start and read one byte
        except subprocess.TimeoutExpired:
            logger.warning(
                "guardian %d of %s did not exit", self._guardian.pid, self._log_file.name
            )
