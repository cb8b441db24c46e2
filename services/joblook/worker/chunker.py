"""Cut one output stream's bytes into the record's ``log`` chunks.

A chunk ends at ``\\n``, ``\\r`` or ``\\r\\n`` (terminator kept), so concatenating a stream's chunks
gives back exactly what the command wrote, and a progress bar drawn with ``\\r`` streams frame by
frame. Bytes are decoded incrementally: a multi-byte character split across reads stays whole, and
invalid UTF-8 becomes U+FFFD instead of an error.
"""

from __future__ import annotations

import codecs
import re

MAX_CHUNK_CHARS = 64 * 1024
"""No chunk is longer than this, so a megabyte line travels as bounded pieces, never dropped."""

_TERMINATED = MAX_CHUNK_CHARS - 2  # room left for a two-character "\r\n"


def _chunk_pattern(limit: int) -> re.Pattern[str]:
    # Possessive: a line longer than the limit fails the first branch without backtracking and is
    # cut by the second; either branch consumes at least one character, so matches tile the text.
    body = rf"[^\r\n]{{0,{limit}}}+"
    return re.compile(rf"{body}(?:\r\n|[\r\n])|[^\r\n]{{1,{limit}}}")


_CHUNK = _chunk_pattern(_TERMINATED)


class Chunker:
    """Chunks for one stream (stdout or stderr); feed it every read, in order."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""

    @property
    def has_pending(self) -> bool:
        """True while a partial line (no terminator yet) waits for more output or a pause."""
        return bool(self._pending)

    def feed(self, data: bytes) -> list[str]:
        """The complete chunks that ``data`` finishes; a trailing partial line is kept back."""
        text = self._pending + self._decoder.decode(data)
        cut = max(text.rfind("\n"), text.rfind("\r")) + 1
        chunks = _CHUNK.findall(text, 0, cut) if cut else []
        rest = text[cut:]
        while len(rest) >= MAX_CHUNK_CHARS:
            chunks.append(rest[:MAX_CHUNK_CHARS])
            rest = rest[MAX_CHUNK_CHARS:]
        self._pending = rest
        return chunks

    def flush(self) -> list[str]:
        """The partial line, without a terminator: the command paused, show what it has written."""
        pending, self._pending = self._pending, ""
        return [pending] if pending else []

    def finish(self) -> list[str]:
        """Everything left at end of stream, an incomplete trailing character as U+FFFD."""
        text = self._pending + self._decoder.decode(b"", final=True)
        self._pending = ""
        return _CHUNK.findall(text)
