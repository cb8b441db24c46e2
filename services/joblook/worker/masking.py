"""Replace every secret's value in one output stream with ``***`` before anything is logged.

It works on the raw bytes, before they are decoded and cut into chunks (``chunker.py``): a secret
is matched as its UTF-8 bytes, so a multi-byte character split across two reads is no special
case. A value can also be split across two reads (the command paused in the middle of it); to
catch that, the end of what was read is held back, but only as much of it as could be the start
of a secret. Everything that cannot be is let through at once, so live output is not delayed: the
only bytes that wait are a possible secret's first bytes, and they wait for the next read or the
end of the stream, however long that takes (letting them out after a pause would leak a value
the command writes in two halves, a pause between them).

Where occurrences overlap (``abcd`` and ``cdef`` in ``abcdef``) every byte any of them covers is
masked, and a masked run becomes one ``***``. Only the value as it is is masked: the same value
base64-encoded, reversed, URL-encoded or cut by other output is not recognised.
"""

from __future__ import annotations

from collections.abc import Iterable

MASK = b"***"

Span = tuple[int, int]
"""Bytes ``[start, end)`` of a buffer."""


class Masker:
    """Masks one stream; feed it every read, in order, then ``finish`` at its end."""

    def __init__(self, values: Iterable[bytes]) -> None:
        self._values = sorted({value for value in values if value}, key=len, reverse=True)
        self._held = b""
        self._held_masked: list[Span] = []  # spans of ``_held`` already known to be a secret's
        self._mask_open = False  # the last bytes let through were a mask that goes on in _held

    @property
    def holding(self) -> bool:
        """True while the end of the output read so far waits: it could start a secret."""
        return bool(self._held)

    def feed(self, data: bytes) -> bytes:
        """What can be let through now that ``data`` was read, secrets masked."""
        if not self._values:
            return data
        text = self._held + data
        spans = _merged([*self._held_masked, *_occurrences(text, self._values)])
        cut = len(text) - self._possible_start(text)
        let_through = [(start, min(end, cut)) for start, end in spans if start < cut]
        out = self._render(text[:cut], let_through)
        self._held = text[cut:]
        self._held_masked = [(max(s, cut) - cut, e - cut) for s, e in spans if e > cut]
        if cut:  # else nothing was let through: a mask let through before is still open
            self._mask_open = any(s < cut < e for s, e in spans)
        return out

    def finish(self) -> bytes:
        """What is still held, masked: the stream ended, nothing can complete a secret now."""
        out = self._render(self._held, self._held_masked)
        self._held, self._held_masked, self._mask_open = b"", [], False
        return out

    def _possible_start(self, text: bytes) -> int:
        """The length of the longest end of ``text`` that is the start of a secret (not all of
        it: a whole one is already found)."""
        longest = 0
        for value in self._values:
            window = len(value) - 1
            start = max(len(text) - window, 0)
            first = value[:1]
            while (start := text.find(first, start)) != -1:
                if len(text) - start <= longest:
                    break
                if value.startswith(text[start:]):
                    longest = len(text) - start
                    break
                start += 1
        return longest

    def _render(self, text: bytes, spans: list[Span]) -> bytes:
        """``text`` with each span (sorted, apart) replaced by one mask."""
        pieces, done = [], 0
        for start, end in spans:
            pieces.append(text[done:start])
            if not (start == 0 and self._mask_open):  # that mask was already let through
                pieces.append(MASK)
            done = end
        pieces.append(text[done:])
        return b"".join(pieces)


def _occurrences(text: bytes, values: list[bytes]) -> Iterable[Span]:
    """Every place each value occurs in ``text``, overlapping ones included."""
    for value in values:
        start = text.find(value)
        while start != -1:
            yield start, start + len(value)
            start = text.find(value, start + 1)


def _merged(spans: list[Span]) -> list[Span]:
    """The spans sorted, the ones that overlap or touch joined into one."""
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
