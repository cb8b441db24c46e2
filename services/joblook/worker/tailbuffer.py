"""The newest output of a task, held within a byte budget until it can be written (``logcap.py``).

Held compactly, not as one Python object per chunk or per batch (several times the text itself for
short lines): consecutive batches of one stream share a segment of up to ``SEGMENT_BYTES`` holding
their UTF-8 bytes, each chunk's end offset (4 bytes) and each batch's time (27 bytes). So memory
stays near the budget, while every held record comes back with its stream, chunk and time.
"""

from __future__ import annotations

import bisect
import itertools
from array import array
from collections import deque
from collections.abc import Iterator

SEGMENT_BYTES = 64 * 1024
_STAMP = len("2026-01-01T00:00:00.000000Z")  # record.timestamp() is fixed width
_CONTINUATION = 0xC0, 0x80  # (mask, value) of a UTF-8 byte that continues a character


class _Segment:
    """Consecutive batches of one stream; bytes before ``start`` were dropped."""

    __slots__ = ("data", "ends", "firsts", "stamps", "start", "stream")

    def __init__(self, stream: str) -> None:
        self.stream = stream
        self.data = bytearray()
        self.ends = array("I")  # where each chunk ends in data
        self.firsts = array("I")  # each batch's first chunk, an index into ends
        self.stamps = bytearray()  # each batch's time, _STAMP ASCII bytes apiece
        self.start = 0

    @property
    def size(self) -> int:
        return len(self.data) - self.start

    def add(self, time: str, chunks: list[str]) -> int:
        """Append one batch; its size in bytes."""
        stamp = time.encode("ascii")
        if len(stamp) != _STAMP:
            raise ValueError(f"not a record time: {time!r}")
        text = "".join(chunks)
        if text.isascii():
            data, sizes = text.encode("ascii"), map(len, chunks)
        else:
            parts = [chunk.encode() for chunk in chunks]
            data, sizes = b"".join(parts), map(len, parts)
        self.firsts.append(len(self.ends))
        self.stamps += stamp
        ends = itertools.accumulate(sizes, initial=len(self.data))
        self.ends.extend(itertools.islice(ends, 1, None))  # not the initial value
        self.data += data
        return len(data)

    def drop(self, excess: int, *, keep_last: bool) -> int:
        """Drop at least ``excess`` leading bytes, whole chunks if it can; the bytes dropped."""
        last = len(self.ends) - 1
        through = min(bisect.bisect_left(self.ends, self.start + excess), last)
        if through < last or not keep_last:
            new_start = self.ends[through]
        else:  # only the newest chunk is left: keep its end, from a character's first byte
            new_start = self.start + excess
            mask, value = _CONTINUATION
            while new_start < len(self.data) and self.data[new_start] & mask == value:
                new_start += 1
        dropped, self.start = new_start - self.start, new_start
        return dropped

    def batches(self) -> Iterator[tuple[str, str, list[str]]]:
        """``(stream, time, chunks)`` of every batch with bytes left, oldest first."""
        live = bisect.bisect_right(self.ends, self.start)  # the first chunk with bytes left
        lasts = [*self.firsts[1:], len(self.ends)]
        for batch, (batch_first, stop) in enumerate(zip(self.firsts, lasts, strict=True)):
            first = max(batch_first, live)
            if first >= stop:
                continue
            begin = max(self.start, self.ends[first - 1] if first else 0)
            bounds = itertools.pairwise([begin, *self.ends[first:stop]])
            stamp = self.stamps[batch * _STAMP : (batch + 1) * _STAMP].decode("ascii")
            yield self.stream, stamp, [self.data[a:b].decode() for a, b in bounds]


class TailBuffer:
    """Chunks in arrival order; :meth:`trim` drops the oldest to fit a budget."""

    def __init__(self) -> None:
        self._segments: deque[_Segment] = deque()
        self.size = 0
        """Bytes held."""

    def add(self, stream: str, time: str, chunks: list[str]) -> None:
        if not chunks:
            return
        newest = self._segments[-1] if self._segments else None
        if newest is None or newest.stream != stream or len(newest.data) >= SEGMENT_BYTES:
            newest = _Segment(stream)
            self._segments.append(newest)
        self.size += newest.add(time, chunks)

    def trim(self, budget: int) -> int:
        """Drop the oldest bytes until at most ``budget`` are held; how many were dropped.

        Whole chunks go, except that the newest chunk is never dropped whole: when it alone
        is over the budget, its first bytes go instead (never part of a character).
        """
        dropped = 0
        while self.size > budget:
            oldest, only = self._segments[0], len(self._segments) == 1
            gone = oldest.drop(self.size - budget, keep_last=only)
            if oldest.size == 0 and not only:
                self._segments.popleft()
            self.size -= gone
            dropped += gone
        return dropped

    def drain(self) -> Iterator[tuple[str, str, list[str]]]:
        """Everything held, as ``(stream, time, chunks)`` batches, oldest first; then empty."""
        segments, self._segments, self.size = self._segments, deque(), 0
        for segment in segments:
            yield from segment.batches()
