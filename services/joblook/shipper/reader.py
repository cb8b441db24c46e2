"""Reading complete lines from a log file at a byte offset, within a byte and a line budget."""

from __future__ import annotations

import os

from joblook.shipper.batch import Piece

_MIN_GROW = 64 * 1024


def read_piece(
    fd: int, name: str, stat: os.stat_result, start: int, *, max_bytes: int, max_lines: int
) -> Piece | None:
    """The complete lines of ``fd`` between ``start`` and ``stat.st_size``: at most ``max_lines``
    lines and ``max_bytes`` bytes, except that one line longer than ``max_bytes`` is read whole
    rather than never. A trailing line without its newline is left for later.
    """
    size = stat.st_size
    if size <= start:
        return None
    chunk = os.pread(fd, min(size - start, max_bytes), start)
    end = chunk.rfind(b"\n")
    while end < 0 and start + len(chunk) < size:  # one line longer than the budget
        more = os.pread(fd, max(len(chunk), _MIN_GROW), start + len(chunk))
        if not more:
            break
        newline = more.find(b"\n")
        if newline >= 0:
            end = len(chunk) + newline
        chunk += more
    if end < 0:
        return None
    data = chunk[:end]
    count = data.count(b"\n") + 1
    if count > max_lines:
        cut = len(data) - len(data.split(b"\n", max_lines)[-1])
        data, count = data[: cut - 1], max_lines
    more = start + len(data) + 1 < size
    return Piece(name, stat.st_ino, start, data, count, more)
