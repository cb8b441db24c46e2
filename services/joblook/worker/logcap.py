"""Keep one task's output within ``JOBLOOK_MAX_LOG_BYTES``: its head, its tail, a marker between.

Sizes are UTF-8 bytes of the records' ``log`` text, stdout and stderr counted together. The log is
append-only and read live, so what is written cannot be taken back; the cap therefore works as:

1. Output is written live until the next chunk would pass the head budget (half the cap).
2. From then on nothing more is written while the command runs: output is held in memory
   (``tailbuffer.py``), the most recent of it up to the rest of the cap (the other half, plus any
   head budget left unused). Older output falls out and is counted as elided.
3. When the task ends, however it ends (exit, cancel, timeout, interruption), the writer asks for
   what is held (:meth:`LogCap.release`): one stdout record ``[joblook: N bytes elided]`` if
   anything was left out, then the held chunks as they came (stream, chunk boundaries and their
   times kept); then it writes the terminal status.

So a live viewer of a task over half the cap sees its output stop at the head while it still runs,
then the marker, the tail and the end together. A task between half the cap and the cap loses
nothing, but its second half shows only when it ends. A redelivered task that resumes an existing
file starts a new budget. Head and tail end on chunk (usually line) boundaries, except that a
single chunk bigger than the whole tail budget keeps only its last bytes (never a split character).
"""

from __future__ import annotations

from collections.abc import Iterator

from joblook.record import STDOUT
from joblook.worker.tailbuffer import TailBuffer


def elision_marker(elided: int) -> str:
    """The text that stands in the log for ``elided`` bytes of output left out."""
    return f"[joblook: {elided} bytes elided]\n"


class LogCap:
    """Decides, batch by batch, what the writer writes now and what it holds for the tail."""

    def __init__(self, max_bytes: int) -> None:
        if max_bytes < 1:
            raise ValueError(f"the log cap must be at least 1 byte, not {max_bytes}")
        self._head_left = max_bytes // 2
        self._tail_budget = max_bytes - self._head_left
        self._head_open = True
        self._head_end = ""  # the last character written, to start the marker on a fresh line
        self._tail = TailBuffer()
        self.elided = 0
        """Bytes of output left out so far."""

    def admit(self, stream: str, chunks: list[str], time: str) -> list[str]:
        """The leading chunks to write now; the rest are held for the tail."""
        if not self._head_open:
            self._hold(stream, chunks, time)
            return []
        text = "".join(chunks)  # one C-level pass per batch keeps the common case cheap
        size = len(text) if text.isascii() else len(text.encode())
        if size > self._head_left:
            self._head_open = False
            chunks, rest, used = _split(chunks, self._head_left)
            self._tail_budget += self._head_left - used  # head budget it will never use
            self._hold(stream, rest, time)
        else:
            self._head_left -= size
        if chunks:
            self._head_end = chunks[-1][-1:]
        return chunks

    def release(self, now: str) -> Iterator[tuple[str, str, list[str]]]:
        """``(stream, time, chunks)`` to write before the terminal status: marker, then tail.

        The marker takes the time of the oldest chunk held (``now`` if none), so times still
        rise with ``seq``.
        """
        elided, self.elided = self.elided, 0
        held = self._tail.drain()
        oldest = next(held, None)
        if elided:
            fresh_line = "" if self._head_end in ("", "\n") else "\n"
            when = now if oldest is None else oldest[1]
            yield STDOUT, when, [fresh_line + elision_marker(elided)]
        if oldest is not None:
            yield oldest
            yield from held

    def _hold(self, stream: str, chunks: list[str], time: str) -> None:
        self._tail.add(stream, time, chunks)
        self.elided += self._tail.trim(self._tail_budget)


def _split(chunks: list[str], budget: int) -> tuple[list[str], list[str], int]:
    """The longest run of leading chunks within ``budget`` UTF-8 bytes, the rest, its size."""
    used = 0
    for count, chunk in enumerate(chunks):
        size = len(chunk) if chunk.isascii() else len(chunk.encode())
        if used + size > budget:
            return chunks[:count], chunks[count:], used
        used += size
    return chunks, [], used
