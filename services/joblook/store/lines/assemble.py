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
:class:`Block` when it takes blocks; anything else (``\\r`` frames, overlong lines, colours,
cursor moves) goes line by line. Catching up a 1,000,000-line log is then mostly C work
(docs/search.md has the figures).

A cursor-up (``ESC[nA``) takes the stream's last lines back as rows to redraw (``screen.py``):
those lines are *hidden* (``hidden``, merged ranges of line numbers) and come back as new lines
with their latest frames, so several tqdm bars show in place. The stored log keeps every byte.

Each line also carries the colours and styles its stream had left on before it (``sgr``, see
``sgr.py``), so a colour opened on one line and closed lines later colours all of them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from joblook import record
from joblook.store.lines import ansi, sgr
from joblook.store.lines.partial import Partial
from joblook.store.lines.screen import RECENT, Screen
from joblook.store.lines.sections import Sections

MAX_LINE_CHARS = 64 * 1024  # a longer line is cut into lines of this many, as a terminal wraps
MAX_HIDDEN = 1000  # ranges of lines taken back by cursor-ups; past it, the cursor stays put
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
        self.screens = {s: _screen(state, s) for s in STREAMS}
        self.hidden: list[list[int]] = state.get("hidden", [])
        self.sections = (
            Sections.from_state(state["sections"]) if "sections" in state else Sections()
        )
        # Per stream: [the SGR state carried into its current line, the state after its output
        # so far] (an index made before colours carried has none: it starts from no colour).
        carried = state.get("sgr", {})
        self.sgr = {s: list(carried.get(s, ("", ""))) for s in STREAMS}
        self._sink = sink
        self._blocks = blocks

    @property
    def partials(self) -> dict[str, Partial]:
        """Each stream's row at the cursor."""
        return {s: screen.cursor for s, screen in self.screens.items()}

    def feed(self, obj: dict[str, Any]) -> None:
        """One decoded record (output or status)."""
        if self.finished:
            return
        time = epoch(obj["time"])
        stream = obj["stream"]
        if stream in self.screens:
            self._output(stream, obj["log"], time)
        elif (status := record.status_of(obj)) and status[0] in record.TERMINAL_STATES:
            self._finish(time)

    def _output(self, stream: str, log: str, time: float) -> None:
        screen = self.screens[stream]
        if "\x1b[" in log and _UP.search(log):
            self._moving(stream, log, time)
        elif len(screen.rows) == 1:  # most output: one row, nothing to move over
            partial = screen.cursor
            pieces = log.split("\n")
            if len(pieces) > 2:  # lines in the middle: the first may complete the partial line
                self._pieces(stream, partial, pieces[:1], time)
                if not self._block(stream, partial, pieces[1:-1], time):
                    self._pieces(stream, partial, pieces[1:-1], time)
            else:
                self._pieces(stream, partial, pieces[:-1], time)
            self._write(stream, pieces[-1])
        else:
            pieces = log.split("\n")
            for piece in pieces[:-1]:
                self._write(stream, piece)
                self._newline(stream, time)
            self._write(stream, pieces[-1])
        if len(screen.rows) == 1:
            while len(screen.cursor.text) > MAX_LINE_CHARS:
                self._complete(stream, screen.cursor, time)
        screen.cursor.time = time

    def _moving(self, stream: str, log: str, time: float) -> None:
        """Output with cursor-ups: text, newlines and moves, in order."""
        screen = self.screens[stream]
        at = 0
        for move in _MOVES.finditer(log):
            self._write(stream, log[at : move.start()])
            at = move.end()
            if move.group() == "\n":
                self._newline(stream, time)
            else:
                for n in screen.up(int(move.group(1) or 1), len(self.hidden) < MAX_HIDDEN):
                    self._hide(n)
        self._write(stream, log[at:])

    def _write(self, stream: str, text: str) -> None:
        if text:
            self.screens[stream].cursor.add(text)
            self.sgr[stream][1] = sgr.carry(self.sgr[stream][1], text)

    def _newline(self, stream: str, time: float) -> None:
        """Down a row; from the last row, the rows are complete lines."""
        screen = self.screens[stream]
        if screen.down():
            return
        for row in screen.rows:
            self._complete(stream, row, time)
        screen.restart()

    def _hide(self, n: int) -> None:
        last = self.hidden[-1] if self.hidden else None
        if last and last[1] == n - 1:
            last[1] = n
        elif last and last[0] == n + 1:
            last[0] = n
        else:
            self.hidden.append([n, n])

    def _pieces(self, stream: str, partial: Partial, pieces: list[str], time: float) -> None:
        """Complete a line with each piece (output that ended with ``\\n``), one by one."""
        for piece in pieces:
            self._write(stream, piece)
            self._complete(stream, partial, time)

    def _block(self, stream: str, partial: Partial, pieces: list[str], time: float) -> bool:
        """Complete these whole lines at once, if they are plain lines (no frames, none too
        long, no colour to carry) after no partial line; False (and nothing done) otherwise."""
        if not partial.is_empty() or any(self.sgr[stream]):
            return False
        joined = "\n".join(pieces)
        if "\x1b[" in joined:  # colours to carry from line to line: line by line
            return False
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
        screen = self.screens[stream]  # the lines a cursor-up could take back
        for at in range(max(0, len(pieces) - RECENT), len(pieces)):
            screen.completed(first + at, pieces[at])
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
        colours = self.sgr[stream]
        self._sink(Line(self.count, text, plain, time, stream, colours[0]))
        self.screens[stream].completed(self.count, text)
        colours[0] = colours[1]  # a line cut at MAX_LINE_CHARS: its rest starts from the end
        partial.text, partial.first, partial.new_frame = rest, "", False

    def _finish(self, time: float) -> None:
        for stream in STREAMS:
            for row in self.screens[stream].rows:
                if not row.is_empty():
                    self._complete(stream, row, time)
        self.sections.finish(self.count, time)
        self.finished = True

    def current(self) -> list[dict[str, Any]]:
        """The unterminated line of each stream that has one: its current frame."""
        return [
            {"stream": s, "text": row.text, "time": row.time} | _colours(self.sgr[s][0])
            for s, screen in self.screens.items()
            for row in screen.rows
            if row.text
        ]

    def to_state(self) -> dict[str, Any]:
        colours = {s: c for s, c in self.sgr.items() if any(c)}
        return {
            "count": self.count,
            "finished": self.finished,
            "screens": {s: screen.to_state() for s, screen in self.screens.items()},
            "sections": self.sections.to_state(),
            "sgr": colours,
            "hidden": self.hidden,
        }


_MARKER_STARTS = frozenset(":s-+~")
_UP = re.compile(r"\x1b\[\d*A")
_MOVES = re.compile(r"\n|\x1b\[(\d*)A")


def _screen(state: dict[str, Any], stream: str) -> Screen:
    """A stream's screen as saved (an index saved before screens has its partial line only)."""
    if "screens" in state:
        return Screen.from_state(state["screens"][stream])
    saved = state.get("partials", {})
    return Screen([Partial(*saved[stream])]) if stream in saved else Screen()


def _colours(state: str) -> dict[str, str]:
    """A line's ``sgr`` field: only when a colour or style is carried into it."""
    return {"sgr": state} if state else {}


def epoch(stamp: str) -> float:
    """A record's ``time`` as epoch seconds."""
    return dt.datetime.fromisoformat(stamp).timestamp()
