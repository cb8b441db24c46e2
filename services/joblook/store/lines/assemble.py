"""Records (chunks of stdout and stderr, as printed) into the lines a terminal shows.

Per stream, output accumulates into a partial line: ``\\n`` completes it (``\\r\\n`` counts as
``\\n``), a bare ``\\r`` starts a new frame, and a line's text is its last frame, as a terminal
shows after a progress bar redraws itself. Completed lines of both streams are numbered 1, 2,
3... in the order they complete; each stream's unterminated line is its *partial* (a tqdm bar's
latest frame, drawn below the lines as ``tqdm.write`` would). When the task ends, the partials
become lines, stdout's first.

Each line also carries the colours and styles its stream had left on before it (``sgr``, see
``sgr.py``), so a colour opened on one line and closed lines later colours all of them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from joblook import record
from joblook.store.lines import ansi, sgr
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
    sgr: str = ""


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


LineSink = Callable[[Line], None]


class Assembler:
    """Turns a task's records, in seq order, into lines for ``sink`` and sections."""

    def __init__(self, state: dict[str, Any] | None, sink: LineSink) -> None:
        state = state or {}
        self.count: int = state.get("count", 0)
        self.finished: bool = state.get("finished", False)
        saved = state.get("partials", {})
        self.partials = {s: Partial(*saved[s]) if s in saved else Partial() for s in STREAMS}
        self.sections = (
            Sections.from_state(state["sections"]) if "sections" in state else Sections()
        )
        # Per stream: [the SGR state carried into its current line, the state after its output
        # so far] (an index made before colours carried has none: it starts from no colour).
        carried = state.get("sgr", {})
        self.sgr = {s: list(carried.get(s, ("", ""))) for s in STREAMS}
        self._sink = sink

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
        colours = self.sgr[stream]
        pieces = log.split("\n")
        for piece in pieces[:-1]:
            if piece:
                partial.add(piece)
                colours[1] = sgr.carry(colours[1], piece)
            self._complete(stream, partial, time)
        if pieces[-1]:
            partial.add(pieces[-1])
            colours[1] = sgr.carry(colours[1], pieces[-1])
            while len(partial.text) > MAX_LINE_CHARS:
                self._complete(stream, partial, time)
        partial.time = time

    def _complete(self, stream: str, partial: Partial, time: float) -> None:
        text, rest = partial.text[:MAX_LINE_CHARS], partial.text[MAX_LINE_CHARS:]
        self.count += 1
        plain = ansi.strip(text)
        marker = ansi.strip(partial.first) if partial.first else plain
        if marker[:1] in _MARKER_STARTS:  # most lines: no marker, no more work
            self.sections.see(self.count, marker.rstrip(), plain.strip(), time)
        colours = self.sgr[stream]
        self._sink(Line(self.count, text, plain, time, stream, colours[0]))
        colours[0] = colours[1]  # a line cut at MAX_LINE_CHARS: its rest starts from the end
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
            {"stream": s, "text": p.text, "time": p.time} | _colours(self.sgr[s][0])
            for s, p in self.partials.items()
            if p.text
        ]

    def to_state(self) -> dict[str, Any]:
        partials = {s: p.to_state() for s, p in self.partials.items() if not p.is_empty()}
        colours = {s: c for s, c in self.sgr.items() if any(c)}
        return {
            "count": self.count,
            "finished": self.finished,
            "partials": partials,
            "sections": self.sections.to_state(),
            "sgr": colours,
        }


_MARKER_STARTS = frozenset(":s-+~")


def _colours(state: str) -> dict[str, str]:
    """A line's ``sgr`` field: only when a colour or style is carried into it."""
    return {"sgr": state} if state else {}


def epoch(stamp: str) -> float:
    """A record's ``time`` as epoch seconds."""
    return dt.datetime.fromisoformat(stamp).timestamp()
