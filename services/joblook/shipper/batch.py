"""A batch: runs of complete lines ("pieces") taken from one or more log files, and its body.

The lines are already JSON objects, so the body is ``[`` + lines joined by ``,`` + ``]``, built
with bytes operations only: nothing is parsed or re-encoded on the way to ``/sync``.
"""

from __future__ import annotations

from dataclasses import dataclass

EMPTY_BODY = b"[]"


@dataclass(frozen=True, slots=True)
class Piece:
    """Consecutive complete lines of one file: bytes ``[start, end)`` of the file's inode.

    ``data`` is exactly those bytes without the final newline, so offsets stay exact when a piece
    is split. ``more`` says the file had further data when the piece was read.
    """

    name: str
    inode: int
    start: int
    data: bytes
    count: int
    more: bool = False

    @property
    def end(self) -> int:
        return self.start + len(self.data) + 1

    @property
    def last_line(self) -> bytes:
        return self.data[self.data.rfind(b"\n") + 1 :]

    def lines(self) -> list[bytes]:
        return self.data.split(b"\n")

    def json_items(self) -> bytes:
        """The lines as comma-separated JSON array items; blank lines are left out."""
        data = self.data
        if b"\n\n" in data or data[:1] == b"\n" or data[-1:] == b"\n":
            return b",".join(line for line in data.split(b"\n") if line.strip())
        return data.replace(b"\n", b",")

    def split_at(self, k: int) -> tuple[Piece, Piece]:
        """The first ``k`` lines and the rest (``0 < k < count``)."""
        head = self.data.split(b"\n", k)
        cut = len(self.data) - len(head[-1])  # just after the k-th newline
        first = Piece(self.name, self.inode, self.start, self.data[: cut - 1], k, more=True)
        rest = Piece(
            self.name, self.inode, self.start + cut, self.data[cut:], self.count - k, self.more
        )
        return first, rest


def body(pieces: list[Piece]) -> bytes:
    """The POST body: one JSON array of every line in ``pieces``, in order."""
    return b"[" + b",".join(items for p in pieces if (items := p.json_items())) + b"]"


def line_count(pieces: list[Piece]) -> int:
    return sum(p.count for p in pieces)


def halves(pieces: list[Piece]) -> tuple[list[Piece], list[Piece]]:
    """Split a batch of at least two lines into two non-empty halves, in order."""
    target = line_count(pieces) // 2
    first: list[Piece] = []
    taken = 0
    for i, piece in enumerate(pieces):
        if taken + piece.count <= target:
            first.append(piece)
            taken += piece.count
            continue
        if taken == target:
            return first, pieces[i:]
        head, rest = piece.split_at(target - taken)
        return [*first, head], [rest, *pieces[i + 1 :]]
    return first, []
