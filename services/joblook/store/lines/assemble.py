"""Records (chunks of stdout and stderr, as printed) into the lines a terminal shows.

Per stream, output accumulates into a partial line: ``\\n`` completes it (``\\r\\n`` counts as
``\\n``), a bare ``\\r`` starts a new frame, and a line's text is its last frame, as a terminal
shows after a progress bar redraws itself. Completed lines of both streams are numbered 1, 2,
3... in the order they complete; each stream's unterminated line is its *partial* (a tqdm bar's
latest frame, drawn below the lines as ``tqdm.write`` would). When the task ends, the partials
become lines, stdout's first.

Most output is plain lines: a record's lines between its first (which may complete a partial
line) and its last (which may start one) are then completed together, in a few calls on the
whole block (split, strip, find the possible section markers), and handed to the sink as one
:class:`Block` when it takes blocks; anything else (``\\r`` frames, overlong lines) goes line by
line. Catching up a 1,000,000-line log is then mostly C work (docs/search.md has the figures).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from joblook import record
from joblook.store.lines import ansi
from joblook.store.lines.sections import Sections

MAX_LINE_CHARS = 64 * 1024  # a longer line is cut into lines of this many, as a terminal wraps
MARKER_CHARS = 512  # of a line's first frame, kept to find a section marker in it
STREAMS = (record.STDOUT, record.STDERR)


@dataclass(slots=True)
class Line:
    """A completed line: ``text`` with its escapes (frames collapsed), ``plain`` without."""

    n: int
    text: str
    plain: str
    time: float
    stream: str


@dataclass(slots=True)
class Partial:
    """A stream's line so far: its current frame, the first non-empty frame when a ``\\r`` came
    after it, whether the next character starts a new frame, and the time of its last output."""

    text: str = ""
    first: str = ""
    new_frame: bool = False
    time: float = 0.0

    def add(self, piece: str) -> None:
        """Output without ``\\n``."""
        if "\r" not in piece:
            if self.new_frame:
                self._next_frame()
            self.text += piece
            return
        for at, frame in enumerate(piece.split("\r")):
            if at:
                self.new_frame = True
            if frame:
                if self.new_frame:
                    self._next_frame()
                self.text += frame

    def _next_frame(self) -> None:
        if not self.first and self.text:
            self.first = self.text[:MARKER_CHARS]
        self.text, self.new_frame = "", False

    def is_empty(self) -> bool:
        return not self.text and not self.first

    def to_state(self) -> list[Any]:
        return [self.text, self.first, self.new_frame, self.time]


@dataclass(slots=True)
class Block:
    """Lines ``first``, ``first + 1``... completed together: same stream and time."""

    first: int
    texts: list[str]
    plains: list[str]
    time: float
    stream: str

    def lines(self) -> list[Line]:
        return [
            Line(n, text, plain, self.time, self.stream)
            for n, (text, plain) in enumerate(zip(self.texts, self.plains, strict=True), self.first)
        ]


LineSink = Callable[[Line], None]
BlockSink = Callable[[Block], None]


class Assembler:
    """Turns a task's records, in seq order, into lines for ``sink`` and sections."""

    def __init__(
        self, state: dict[str, Any] | None, sink: LineSink, blocks: BlockSink | None = None
    ) -> None:
        state = state or {}
        self.count: int = state.get("count", 0)
        self.finished: bool = state.get("finished", False)
        saved = state.get("partials", {})
        self.partials = {s: Partial(*saved[s]) if s in saved else Partial() for s in STREAMS}
        self.sections = (
            Sections.from_state(state["sections"]) if "sections" in state else Sections()
        )
        self._sink = sink
        self._blocks = blocks

    def feed(self, obj: dict[str, Any]) -> None:
        """One decoded record (output or status)."""
        if self.finished:
            return
        time = epoch(obj["time"])
        stream = obj["stream"]
        if stream in self.partials:
            self._output(stream, obj["log"], time)
        elif (status := record.status_of(obj)) and status[0] in record.TERMINAL_STATES:
            self._finish(time)

    def _output(self, stream: str, log: str, time: float) -> None:
        partial = self.partials[stream]
        pieces = log.split("\n")
        if len(pieces) > 2:  # lines in the middle: the first may complete the partial line
            self._pieces(stream, partial, pieces[:1], time)
            if not self._block(stream, partial, pieces[1:-1], time):
                self._pieces(stream, partial, pieces[1:-1], time)
        else:
            self._pieces(stream, partial, pieces[:-1], time)
        if pieces[-1]:
            partial.add(pieces[-1])
            while len(partial.text) > MAX_LINE_CHARS:
                self._complete(stream, partial, time)
        partial.time = time

    def _pieces(self, stream: str, partial: Partial, pieces: list[str], time: float) -> None:
        """Complete a line with each piece (output that ended with ``\\n``), one by one."""
        for piece in pieces:
            if piece:
                partial.add(piece)
            self._complete(stream, partial, time)

    def _block(self, stream: str, partial: Partial, pieces: list[str], time: float) -> bool:
        """Complete these whole lines at once, if they are plain lines (no frames, none too
        long) after no partial line; False (and nothing done) otherwise."""
        if not partial.is_empty():
            return False
        joined = "\n".join(pieces)
        if "\r" in joined:  # \r\n (or \r just before the \n) ends a line as \n does
            joined = (joined + "\n").replace("\r\n", "\n")[:-1]
            if "\r" in joined:
                return False
            pieces = joined.split("\n")
        if len(joined) > MAX_LINE_CHARS and max(map(len, pieces)) > MAX_LINE_CHARS:
            return False
        plains = [ansi.strip(p) for p in pieces] if "\x1b" in joined else pieces
        first = self.count + 1
        self.count += len(pieces)
        for at, plain in enumerate(plains):
            if plain[:1] in _MARKER_STARTS:  # a marker's line is its own first frame
                self.sections.see(first + at, plain.rstrip(), plain.strip(), time)
        block = Block(first, pieces, plains, time, stream)
        if self._blocks is not None:
            self._blocks(block)
        else:
            for line in block.lines():
                self._sink(line)
        return True

    def _complete(self, stream: str, partial: Partial, time: float) -> None:
        text, rest = partial.text[:MAX_LINE_CHARS], partial.text[MAX_LINE_CHARS:]
        self.count += 1
        plain = ansi.strip(text)
        marker = ansi.strip(partial.first) if partial.first else plain
        if marker[:1] in _MARKER_STARTS:  # most lines: no marker, no more work
            self.sections.see(self.count, marker.rstrip(), plain.strip(), time)
        self._sink(Line(self.count, text, plain, time, stream))
        partial.text, partial.first, partial.new_frame = rest, "", False

    def _finish(self, time: float) -> None:
        for stream in STREAMS:
            partial = self.partials[stream]
            if not partial.is_empty():
                self._complete(stream, partial, time)
        self.sections.finish(self.count, time)
        self.finished = True

    def current(self) -> list[dict[str, Any]]:
        """The unterminated line of each stream that has one: its current frame."""
        return [
            {"stream": s, "text": p.text, "time": p.time}
            for s, p in self.partials.items()
            if p.text
        ]

    def to_state(self) -> dict[str, Any]:
        partials = {s: p.to_state() for s, p in self.partials.items() if not p.is_empty()}
        return {
            "count": self.count,
            "finished": self.finished,
            "partials": partials,
            "sections": self.sections.to_state(),
        }


_MARKER_STARTS = frozenset(":s-+~")


def epoch(stamp: str) -> float:
    """A record's ``time`` as epoch seconds."""
    return dt.datetime.fromisoformat(stamp).timestamp()
