"""The shipper's loop, the one place where reading, sending and saving positions meet.

One loop, one POST in flight: lines are read the moment inotify reports them, and whatever became
available while a POST was in flight forms the next batch. So an idle shipper sends each line on
its own at once, and a busy one sends big batches: batching adapts to load without any timer.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import threading
from pathlib import Path

import urllib3

from joblook.retry import Backoff, Retrying
from joblook.settings import DEFAULT_SYNC_MAX_TASKS, Settings
from joblook.shipper.batch import Piece
from joblook.shipper.delivery import Abandoned, Delivery, Retry
from joblook.shipper.positions import Position, PositionStore
from joblook.shipper.sender import DEFAULT_TIMEOUT, Sender
from joblook.shipper.tailer import Tailer

log = logging.getLogger(__name__)

MAX_LINES = 10_000
MAX_BYTES = 4 * 1024 * 1024  # well under /sync's own limit (64 MiB)
# Files, so tasks, per batch: half of what /sync takes by default (JOBLOOK_SYNC_MAX_TASKS), so a
# backlog of thousands of finished tasks (after an outage) never meets a 413.
MAX_FILES = DEFAULT_SYNC_MAX_TASKS // 2
_LOUD_STATUSES = frozenset({401, 403, 404})
# Between failed POSTs; jittered so that shippers restarted together do not retry in lockstep.
BACKOFF = Backoff(first=0.05, cap=5.0, jitter=True)


class Shipper:
    """Ships ``settings.logs_dir/*.jsonl`` to ``settings.sync_url`` until ``stop()``; runs once."""

    def __init__(
        self,
        settings: Settings,
        *,
        backoff: Backoff | None = None,
        rescan_interval: float = 1.0,
        max_lines: int = MAX_LINES,
        max_bytes: int = MAX_BYTES,
        timeout: urllib3.Timeout = DEFAULT_TIMEOUT,
    ) -> None:
        self.settings = settings
        self.backoff = Retrying(backoff or BACKOFF)
        self._store = PositionStore(settings.positions_file)
        self._rescan_interval = rescan_interval
        self._max_lines = max_lines
        self._max_files = min(MAX_FILES, settings.sync_max_tasks)
        self._max_bytes = max_bytes  # lowered for good if the server ever answers 413
        self._timeout = timeout
        self._stopping = False
        self._wake_lock = threading.RLock()  # re-entrant: a signal handler may interrupt run()
        self._wake_read, self._wake_write = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)

    @property
    def rejected_file(self) -> Path:
        return self.settings.data_dir / "shipper" / "rejected.jsonl"

    @property
    def stopping(self) -> bool:
        return self._stopping

    def stop(self) -> None:
        """Ask ``run()`` to return; safe from another thread and from a signal handler."""
        with self._wake_lock:
            if not self._stopping:
                self._stopping = True
                os.write(self._wake_write, b"x")

    def run(self) -> None:
        positions = self._store.load()
        tailer = Tailer(self.settings.logs_dir, positions, self._rescan_interval)
        sender = Sender(self.settings.sync_url, self.settings.sync_token, self._timeout)

        def acknowledge(pieces: list[Piece]) -> None:
            for name in tailer.acknowledge(pieces):
                log.info("%s: task finished and fully delivered, no longer followed", name)
            self._save(positions)

        delivery = Delivery(
            sender, self.rejected_file, acknowledge, lambda: self._stopping, self._max_bytes
        )
        try:
            self._loop(tailer, delivery)
        finally:
            self._save(positions)
            sender.close()
            tailer.close()
            self._close_waker()

    def _save(self, positions: dict[str, Position]) -> None:
        try:
            self._store.save(positions)
        except OSError as exc:  # a restart would resend a little more; shipping goes on
            log.error("cannot save positions to %s: %s", self._store.path, exc)

    def _loop(self, tailer: Tailer, delivery: Delivery) -> None:
        idle = _poller(tailer.watch.fileno(), self._wake_read)
        while not self._stopping:
            try:
                if not self._ship_one_batch(tailer, delivery):
                    self._wait(idle, tailer.watch.seconds_to_rescan())
            except Retry as exc:
                self._back_off(exc)
            except OSError as exc:  # e.g. a full disk for rejected.jsonl: keep the line, wait
                self._back_off(Retry(f"local file error: {exc}"))
            except Abandoned:
                return

    def _ship_one_batch(self, tailer: Tailer, delivery: Delivery) -> bool:
        """Read what is new and deliver it; False when there was nothing new."""
        if tailer.poll():
            self._save(tailer.positions)  # deleted files forgotten: keep the file small
        pieces = tailer.take(delivery.body_limit, self._max_lines, self._max_files)
        if not pieces:
            return False
        delivery.deliver(pieces)
        if self.backoff.failures:
            log.info("shipping again after %d failed attempts", self.backoff.failures)
            self.backoff.reset()
        return True

    def _back_off(self, failure: Retry) -> None:
        """One loud line per failed attempt, then a pause that ``stop()`` cuts short."""
        delay = self.backoff.failed()
        level = logging.ERROR if failure.status in _LOUD_STATUSES else logging.WARNING
        log.log(level, "shipping stalled: %s; retrying in %.2f s", failure, delay)
        self._wait(_poller(self._wake_read), delay)

    def _wait(self, poller: select.poll, seconds: float) -> None:
        if poller.poll(max(1, round(seconds * 1000))):
            with contextlib.suppress(BlockingIOError):
                os.read(self._wake_read, 64)

    def _close_waker(self) -> None:
        with self._wake_lock:
            self._stopping = True
            os.close(self._wake_read)
            os.close(self._wake_write)


def _poller(*fds: int) -> select.poll:
    poller = select.poll()
    for fd in fds:
        poller.register(fd, select.POLLIN)
    return poller
