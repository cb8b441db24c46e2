"""A stream's unterminated line: ``\\r`` starts a new frame, and the line shows its last."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MARKER_CHARS = 512  # of a line's first frame, kept to find a section marker in it


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
