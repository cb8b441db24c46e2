"""Append one task's records to ``<logs_dir>/<task_id>.jsonl``, the file the shipper tails.

Each batch of records goes out in one ``write`` to a file opened ``O_APPEND`` and only whole lines
are ever written, so a reader that waits for ``\\n`` never sees a torn record. Output past the
task's cap is held back and written, head and tail with a marker between, just before the terminal
status (``logcap.py``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from joblook.closing import Closing
from joblook.record import (
    OutputRecord,
    Record,
    RecordError,
    State,
    encode_lines,
    from_json,
    is_task_id,
    status,
    timestamp,
)
from joblook.settings import DEFAULT_MAX_LOG_BYTES
from joblook.worker import metrics as worker_metrics
from joblook.worker.logcap import LogCap

logger = logging.getLogger(__name__)

_OPEN_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC
# A task's output is its owner's: nobody else on the machine reads it. The group may, for a reader
# that runs as another user: compose's Fluentd, which joins the worker's group (10001).
LOG_FILE_MODE = 0o640
LOGS_DIR_MODE = 0o750
_TAIL_BLOCK = 64 * 1024


class TaskLogWriter(Closing):
    """Writes records with contiguous ``seq`` numbers; resumes after an existing file's last one.

    At most ``max_log_bytes`` of output (plus the marker) is written per task.
    """

    def __init__(
        self, logs_dir: Path, task_id: str, max_log_bytes: int = DEFAULT_MAX_LOG_BYTES
    ) -> None:
        if not is_task_id(task_id):  # it names a file: nothing like "../x" may reach the path
            raise ValueError(f"task id must be a UUID, not {task_id!r}")
        self._cap = LogCap(max_log_bytes)
        logs_dir.mkdir(mode=LOGS_DIR_MODE, parents=True, exist_ok=True)
        self.path = logs_dir / f"{task_id}.jsonl"
        self.task_id = task_id
        self._fd: int | None = os.open(self.path, _OPEN_FLAGS, LOG_FILE_MODE)
        try:
            self.last_seq = _resume(self._fd, self.path)
        except BaseException:
            self.close()
            raise

    def write_output(self, stream: str, chunks: list[str]) -> None:
        """One record per chunk, all stamped with the same time, in one write (or held back)."""
        if chunks:
            worker_metrics.wrote(stream, chunks)
            now = timestamp()
            self._write_chunks(stream, self._cap.admit(stream, chunks, now), now)

    def write_status(self, state: State, exit_code: int | None, message: str = "") -> None:
        """A status record; ``message`` is its human note, e.g. "exited with code 3".

        A terminal status first writes the output held back by the cap.
        """
        if state.is_terminal:
            self._release_held()
        record = status(self.task_id, self.last_seq + 1, state, exit_code, message)
        self._write(encode_lines([record]))
        self.last_seq += 1

    def close(self) -> None:
        if self._fd is not None:
            try:
                self._release_held()  # no terminal status came: still keep the tail
            except OSError:
                logger.exception("task %s: could not write its held-back output", self.task_id)
            os.close(self._fd)
            self._fd = None

    def _write_chunks(self, stream: str, chunks: list[str], now: str) -> None:
        if not chunks:
            return
        task_id, first = self.task_id, self.last_seq + 1
        records = [
            OutputRecord(task_id, seq, now, stream, chunk)
            for seq, chunk in enumerate(chunks, first)
        ]
        self._write(encode_lines(records))
        self.last_seq += len(records)

    def _release_held(self) -> None:
        """Write the marker and the tail the cap held back, one batch per write."""
        if self._cap.elided:
            logger.info("task %s: %d bytes of output elided", self.task_id, self._cap.elided)
        for stream, when, chunks in self._cap.release(timestamp()):
            self._write_chunks(stream, chunks, when)

    def _write(self, data: bytes) -> None:
        if self._fd is None:
            raise ValueError(f"{self.path} is closed")
        _write_all(self._fd, data)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _resume(fd: int, path: Path) -> int:
    """The seq to continue after: 0 for a new file, else the last complete record's seq.

    A redelivered task finds its old file. A torn last line (a write cut short, e.g. by a full
    disk) is closed with a newline so our first record does not glue onto it; readers skip it.
    """
    if os.fstat(fd).st_size == 0:
        return 0
    with path.open("rb") as file:
        file.seek(-1, os.SEEK_END)
        if file.read(1) != b"\n":
            logger.warning("%s ends with a partial line; closing it before appending", path)
            _write_all(fd, b"\n")
        last = _last_record(file)
    return 0 if last is None else last.seq


def last_record(path: Path) -> Record | None:
    """The file's last complete record (None when it has none); cheap however long the file."""
    with path.open("rb") as file:
        return _last_record(file)


def _last_record(file: BinaryIO) -> Record | None:
    for line in _lines_backwards(file):
        try:
            return from_json(line)
        except RecordError:
            continue  # blank, torn or foreign: the one before may still be good
    return None


def _lines_backwards(file: BinaryIO) -> Iterator[bytes]:
    """The file's lines, last first, reading blocks from the end (the file may be large)."""
    pos, head = file.seek(0, os.SEEK_END), b""
    while pos > 0:
        step = min(pos, _TAIL_BLOCK)
        pos -= step
        file.seek(pos)
        head, *lines = (file.read(step) + head).split(b"\n")
        yield from reversed(lines)
    yield head
