"""Following the log files of a directory: which have unshipped lines, and taking a fair share
of each into the next batch.

Files are opened per read, so thousands of unfinished files hold no file descriptors, and a
replaced file is seen at once by its inode.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path
from stat import S_ISREG

from joblook import record
from joblook.shipper.batch import Piece
from joblook.shipper.positions import Position
from joblook.shipper.reader import read_piece
from joblook.shipper.watch import Watch

log = logging.getLogger(__name__)

_MIN_SHARE = 64 * 1024  # bytes per file per round, so many busy files do not mean tiny reads
_STATUS_MARK = f'"{record.STATUS}"'.encode()


class Tailer:
    """Tracks pending files under ``directory`` and reads them from their ``positions``."""

    def __init__(
        self, directory: Path, positions: dict[str, Position], rescan_interval: float = 1.0
    ) -> None:
        self.directory = directory
        self.positions = positions
        self.watch = Watch(directory, rescan_interval)
        self._pending: set[str] = set()
        self._turn = 0

    def close(self) -> None:
        self.watch.close()

    def poll(self) -> bool:
        """Take in the watch's news without waiting; rescan the directory when one is due.

        True when that dropped the positions of deleted files (they are worth saving).
        """
        self._pending.update(name for name in self.watch.news() if not self._is_done(name))
        return self.watch.rescan_due() and self._rescan()

    def take(self, max_bytes: int, max_lines: int, max_files: int) -> list[Piece]:
        """Complete lines from pending files, shared fairly, within the three budgets; files past
        ``max_files`` wait for a later batch (each is one task, and /sync bounds the tasks)."""
        pieces: list[Piece] = []
        last: dict[str, Piece] = {}
        active = self._fair_order()
        while active and max_bytes > 0 and max_lines > 0:
            sharing = min(len(active), max_files)
            share_bytes = max(max_bytes // sharing, _MIN_SHARE)
            share_lines = max(max_lines // sharing, 1)
            unfinished = []
            for name in active:
                if name not in last and len(last) >= max_files:
                    break  # only the first round meets new files
                piece = self._read(name, last.get(name), min(share_bytes, max_bytes), share_lines)
                if piece is None:
                    continue
                pieces.append(piece)
                last[name] = piece
                max_bytes -= len(piece.data) + 1
                max_lines -= piece.count
                if piece.more:
                    unfinished.append(name)
                if max_bytes <= 0 or max_lines <= 0:
                    break
            active = unfinished
        return pieces

    def acknowledge(self, pieces: Iterable[Piece]) -> list[str]:
        """Advance positions past acknowledged pieces; returns the files that just finished."""
        finished = []
        for piece in pieces:
            position = self.positions.get(piece.name)
            if position is None or position.inode != piece.inode or position.done:
                continue
            position.offset = piece.end
            if _is_terminal(piece.last_line):
                position.done = True
                self._pending.discard(piece.name)
                finished.append(piece.name)
        return finished

    def _read(
        self, name: str, previous: Piece | None, max_bytes: int, max_lines: int
    ) -> Piece | None:
        try:
            fd = os.open(self.directory / name, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
        except OSError as exc:
            if not isinstance(exc, FileNotFoundError):
                log.error("cannot read %s: %s", name, exc)
            self._pending.discard(name)
            return None
        try:
            stat = os.fstat(fd)
            if not S_ISREG(stat.st_mode):
                self._pending.discard(name)
                return None
            if previous is None:
                start = self._start(name, stat)
            elif previous.inode == stat.st_ino:
                start = previous.end
            else:
                return None  # replaced since the last round: the next batch starts it over
            piece = read_piece(fd, name, stat, start, max_bytes=max_bytes, max_lines=max_lines)
        finally:
            os.close(fd)
        if piece is None and previous is None:
            self._pending.discard(name)  # drained; inotify will say when it grows
        return piece

    def _start(self, name: str, stat: os.stat_result) -> int:
        """Where reading resumes: the saved offset, or 0 for a new, replaced or truncated file."""
        position = self.positions.get(name)
        if position is None:
            self.positions[name] = Position(stat.st_ino)
            return 0
        if position.inode != stat.st_ino:
            log.warning("%s was replaced (inode changed): reading it again from 0", name)
            position.inode, position.offset = stat.st_ino, 0
        elif stat.st_size < position.offset:
            log.warning("%s shrank below its read position: reading it again from 0", name)
            position.offset = 0
        return position.offset

    def _fair_order(self) -> list[str]:
        """Pending files, starting one further along each time, so no file always goes first."""
        names = sorted(self._pending)
        if not names:
            return names
        first = self._turn % len(names)
        self._turn += 1
        return names[first:] + names[:first]

    def _rescan(self) -> bool:
        """The safety net: every unfinished file is checked; positions of deleted files dropped
        (True if there were any)."""
        entries = self.watch.listing()
        self._pending.update(entry.name for entry in entries if self._may_have_news(entry))
        gone = self.positions.keys() - {entry.name for entry in entries}
        for name in gone:
            del self.positions[name]
        return bool(gone)

    def _may_have_news(self, entry: os.DirEntry[str]) -> bool:
        """Unless it is done or plainly unchanged (one stat), a file is worth a read."""
        position = self.positions.get(entry.name)
        if position is None:
            return True
        if position.done:
            return False
        try:
            stat = entry.stat()
        except FileNotFoundError:
            return False
        return (stat.st_ino, stat.st_size) != (position.inode, position.offset)

    def _is_done(self, name: str) -> bool:
        position = self.positions.get(name)
        return position is not None and position.done


def _is_terminal(line: bytes) -> bool:
    if _STATUS_MARK not in line:
        return False
    try:
        return record.from_json(line).is_terminal
    except record.RecordError:
        return False
