"""A stream's rows that its output can still change, for programs that move the cursor up.

Most output only appends: the row at the cursor is the stream's partial line, and ``\\n``
completes it. A program that redraws several rows (tqdm's bars with ``position=``, each moving
up with ``ESC[A`` to redraw its own) moves the cursor back over rows already completed. The
screen then takes those lines back as rows again (their numbers are returned, for the index to
hide them) from the stream's last few completed lines; ``\\n`` moves down a row, and only on
the last row completes the rows, which then become new lines with each row's latest frame.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from joblook.store.lines.partial import Partial

RECENT = 16  # completed lines a cursor-up can reach back to, per stream
RECENT_CHARS = 512  # a longer line is not kept for that: the cursor stops below it


@dataclass(slots=True)
class Screen:
    rows: list[Partial] = field(default_factory=lambda: [Partial()])
    y: int = 0  # the cursor's row
    recent: deque[list[Any]] = field(default_factory=lambda: deque(maxlen=RECENT))  # [n, text]

    @property
    def cursor(self) -> Partial:
        return self.rows[self.y]

    def down(self) -> bool:
        """``\\n`` below the last row: move down (True), else the rows are to be completed."""
        if self.y == len(self.rows) - 1:
            return False
        self.y += 1
        self.cursor.new_frame = True  # what is written next redraws the row
        return True

    def completed(self, n: int, text: str) -> None:
        """Line ``n`` was completed from one of the rows."""
        if len(text) <= RECENT_CHARS:
            self.recent.append([n, text])

    def restart(self) -> None:
        """After the rows were completed: the last one (holding any rest) is the only row."""
        self.rows, self.y = [self.rows[-1]], 0

    def up(self, count: int, reopen: bool) -> list[int]:
        """``ESC[countA``: the numbers of the lines taken back as rows (to hide)."""
        taken = []
        while count > self.y and reopen and self.recent:
            n, text = self.recent.pop()
            self.rows.insert(0, Partial(text))
            self.y += 1
            taken.append(n)
        if taken or self.y:
            self.y = max(0, self.y - count)
            self.cursor.new_frame = True  # what is written next redraws the row
        return taken

    def to_state(self) -> dict[str, Any]:
        rows = [row.to_state() for row in self.rows]
        return {"rows": rows, "y": self.y, "recent": list(self.recent)}

    @classmethod
    def from_state(cls, saved: dict[str, Any]) -> Screen:
        rows = [Partial(*row) for row in saved["rows"]]
        return cls(rows, saved["y"], deque(saved["recent"], maxlen=RECENT))
