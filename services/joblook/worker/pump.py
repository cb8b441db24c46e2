"""Copy a running command's stdout and stderr into its log as they come, chunk by chunk.

The pump registers both pipes on the caller's selector and handles their events; the caller's loop
decides when to stop. Nothing sleeps: a lone line is written the moment it is read, and the pause
timeout only runs while a stream holds a partial line, to flush it when the command pauses.
Secrets' values are masked before the bytes are cut into chunks (``masking.py``).
"""

from __future__ import annotations

import os
import selectors
import subprocess
import time
from collections.abc import Collection

from joblook.record import STDERR, STDOUT
from joblook.worker.chunker import Chunker
from joblook.worker.logfile import TaskLogWriter
from joblook.worker.masking import Masker
from joblook.worker.signals import signals_deferred

READ_SIZE = 64 * 1024
DRAIN_LIMIT = 1.0
"""Longest :meth:`OutputPump.drain` reads a pipe that something unknown keeps filling."""


class OutputPump:
    def __init__(
        self,
        proc: subprocess.Popen[bytes],
        log: TaskLogWriter,
        selector: selectors.BaseSelector,
        pause_flush: float,
        secrets: Collection[bytes] = (),
    ) -> None:
        """``secrets``: the values masked in both streams."""
        self._log = log
        self._selector = selector
        self._pause = pause_flush
        self._chunkers = {STDOUT: Chunker(), STDERR: Chunker()}
        self._maskers = {STDOUT: Masker(secrets), STDERR: Masker(secrets)}
        self._last_read: dict[str, float] = {}
        self._open: set[int] = set()
        for pipe, stream in ((proc.stdout, STDOUT), (proc.stderr, STDERR)):
            assert pipe is not None
            selector.register(pipe.fileno(), selectors.EVENT_READ, stream)
            self._open.add(pipe.fileno())

    @property
    def open(self) -> bool:
        """True until both pipes reached end of file."""
        return bool(self._open)

    def handles(self, key: selectors.SelectorKey) -> bool:
        return key.data in self._chunkers

    def read(self, key: selectors.SelectorKey) -> None:
        """One read from a ready pipe; end of file closes that stream's last line.

        Output read is logged (or held, and counted, for the tail) before any signal handler
        runs: one raising in between would lose it (``signals.py``).
        """
        stream, chunker = key.data, self._chunkers[key.data]
        with signals_deferred():
            data = os.read(key.fd, READ_SIZE)  # the pipe is ready: this does not block
            if data:
                self._log.write_output(stream, chunker.feed(self._maskers[stream].feed(data)))
                self._last_read[stream] = time.monotonic()
            else:
                self._selector.unregister(key.fd)
                self._open.discard(key.fd)
                self._log.write_output(stream, self._last_chunks(stream))

    def pause_timeout(self) -> float | None:
        """None (block) unless a stream holds a partial line: then until its pause ends."""
        pending = [s for s, chunker in self._chunkers.items() if chunker.has_pending]
        deadlines = [self._last_read[s] + self._pause for s in pending]
        if not deadlines:
            return None
        return max(0.0, min(deadlines) - time.monotonic())

    def flush_paused(self) -> None:
        now = time.monotonic()
        for stream, chunker in self._chunkers.items():
            if chunker.has_pending and now - self._last_read[stream] >= self._pause:
                with signals_deferred():
                    self._log.write_output(stream, chunker.flush())

    def drain(self) -> None:
        """Copy what the pipes hold now, without waiting for more (the writers are dead)."""
        deadline = time.monotonic() + DRAIN_LIMIT
        while self._open and time.monotonic() < deadline:
            ready = [key for key, _ in self._selector.select(0) if self.handles(key)]
            if not ready:
                return
            for key in ready:
                self.read(key)

    def finish(self) -> None:
        """Write every stream's held-back partial line: no more output will be read."""
        for stream in self._chunkers:
            with signals_deferred():
                self._log.write_output(stream, self._last_chunks(stream))

    def _last_chunks(self, stream: str) -> list[str]:
        """The stream's held-back bytes, masked, and its partial line: it ends."""
        chunker = self._chunkers[stream]
        return chunker.feed(self._maskers[stream].finish()) + chunker.finish()
