"""The LINES index in Redis: a task's log as numbered lines, kept up to date from the log.

Per task (names in ``keys.py``): the lines' text (escapes kept) and plain text (escapes removed)
as two append-only strings, one line per ``\\n``; a string of fixed-width checkpoints giving
where every K-th line starts in both; the sections; and a hash with the cursor (the last seq
turned into lines) and the assembler's state (line count, partial lines, open sections).

Why strings and checkpoints: a window of lines anywhere in a log of any size is three short
reads (the state, two checkpoints by GETRANGE, the bytes between them), so the end of a
10,000,000-line log opens as fast as a short one; and the plain string is searched in one pass
by a regex engine in C (see ``search.py``), reading it in large slices, instead of a round trip
or a Python step per line.

The index is derived: :meth:`LineIndex.catch_up` reads the log from the cursor and appends what
it makes, a bounded batch of records at a time (Redis is never blocked for long), each batch
written atomically only if the cursor has not moved (``commit.lua``). It runs after each append
and before each read, so a crash between the two, or a task stored before the index existed,
heals on the next read.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from itertools import accumulate
from typing import Any

import orjson
import redis

from joblook import keys, record
from joblook.store.lines.assemble import Assembler, Block, Line
from joblook.store.lines.plaincache import PlainCache

K = 128  # lines between checkpoints: a window reads at most 2K lines more than it returns
BATCH_RECORDS = 256  # records per catch-up step (at most 16 MiB of 64 KiB chunks)
MARK = struct.Struct(">QQ")
# A line's stream as one letter, followed by the SGR state carried into it, if any ("o1;31").
STREAM_CODES = {record.STDOUT: "o", record.STDERR: "e"}
STREAM_NAMES = {code: name for name, code in STREAM_CODES.items()}


@dataclass(slots=True)
class Snapshot:
    """The index as one catch-up left it."""

    cursor: int = 0
    count: int = 0
    finished: bool = False
    text_bytes: int = 0
    plain_bytes: int = 0
    ascii: bool = True  # the plain string is all ASCII (search may then read bytes as characters)
    state: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, cursor: bytes | None, state: bytes | None) -> Snapshot:
        if not state:
            return cls()
        saved = orjson.loads(state)
        return cls(
            int(cursor or 0),
            saved["count"],
            saved["finished"],
            saved["text_bytes"],
            saved["plain_bytes"],
            saved.get("ascii", False),  # an index made before this was kept: not known
            saved,
        )

    def partials(self) -> list[dict[str, Any]]:
        return Assembler(self.state, _ignore).current()

    def hidden(self) -> list[list[int]]:
        """Ranges of lines a cursor-up took back (shown again, redrawn, as later lines)."""
        hidden: list[list[int]] = self.state.get("hidden", [])
        return hidden


@dataclass(slots=True)
class IndexedLine:
    n: int
    text: str
    time: float
    stream: str
    sgr: str = ""

    def to_json(self) -> dict[str, Any]:
        line = {"n": self.n, "text": self.text, "time": self.time, "stream": self.stream}
        return line | {"sgr": self.sgr} if self.sgr else line


class _Batch:
    """What one catch-up step adds: the strings' new bytes and the checkpoints they need."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.text: list[bytes] = []
        self.plain: list[bytes] = []
        self.marks = bytearray()
        self.text_bytes, self.plain_bytes = snapshot.text_bytes, snapshot.plain_bytes

    def add(self, line: Line) -> None:
        if (line.n - 1) % K == 0:
            self.marks += MARK.pack(self.text_bytes, self.plain_bytes)
        code = STREAM_CODES[line.stream] + line.sgr
        text = f"{line.time:.6f}\t{code}\t{line.text}\n".encode()
        plain = f"{line.plain}\n".encode()
        self.text.append(text)
        self.plain.append(plain)
        self.text_bytes += len(text)
        self.plain_bytes += len(plain)

    def add_block(self, block: Block) -> None:
        """Lines completed together: joined and encoded at once, and where their checkpoints
        fall found from the lines' lengths (in C) rather than line by line."""
        prefix = f"{block.time:.6f}\t{STREAM_CODES[block.stream]}\t"
        text = prefix + f"\n{prefix}".join(block.texts) + "\n"
        plain = "\n".join(block.plains) + "\n"
        text_bytes, plain_bytes = text.encode(), plain.encode()
        marked = range((1 - block.first) % K, len(block.texts), K)  # lines 1, K + 1, 2K + 1...
        if marked:
            text_sizes = _sizes(block.texts, len(text_bytes) == len(text))
            plain_sizes = _sizes(block.plains, len(plain_bytes) == len(plain))
            for at in marked:  # a line starts after the lines before it, each with its newline
                text_at = text_sizes[at] + at * (len(prefix) + 1)
                self.marks += MARK.pack(
                    self.text_bytes + text_at, self.plain_bytes + plain_sizes[at] + at
                )
        self.text.append(text_bytes)
        self.plain.append(plain_bytes)
        self.text_bytes += len(text_bytes)
        self.plain_bytes += len(plain_bytes)


def _sizes(rows: list[str], ascii: bool) -> list[int]:
    """The bytes of the rows before each row, encoded (characters are bytes when ``ascii``)."""
    return list(accumulate(map(len, rows if ascii else [row.encode() for row in rows]), initial=0))


class LineIndex:
    """Builds and reads the LINES index of tasks in one Redis."""

    def __init__(self, client: redis.Redis) -> None:
        self.redis = client
        script = resources.files("joblook.store.lines").joinpath("commit.lua").read_text()
        self._commit = client.register_script(script)
        self._plain = PlainCache(client)

    def catch_up_all(self, task_ids: Iterable[str]) -> dict[str, tuple[Snapshot, Snapshot]]:
        """:meth:`catch_up` each task, with one round trip for those already up to date; the
        index before and after for each task that had records to index."""
        ids = list(task_ids)
        pipe = self.redis.pipeline(transaction=False)
        for task_id in ids:
            pipe.hget(keys.lines_meta(task_id), "cursor")
            pipe.llen(keys.log(task_id))
        replies = iter(pipe.execute())
        moved = {}
        for task_id, cursor, stored in zip(ids, replies, replies, strict=False):
            if int(cursor or 0) < stored:
                moved[task_id] = self._catch_up(task_id)
        return moved

    def catch_up(self, task_id: str) -> Snapshot:
        """Turn the records not yet indexed into lines; the index as it then is."""
        return self._catch_up(task_id)[1]

    def _catch_up(self, task_id: str) -> tuple[Snapshot, Snapshot]:
        """The index as first read, and once caught up."""
        first: Snapshot | None = None
        while True:
            pipe = self.redis.pipeline(transaction=False)
            pipe.hmget(keys.lines_meta(task_id), "cursor", "state")
            pipe.llen(keys.log(task_id))
            (cursor, state), stored = pipe.execute()
            snapshot = Snapshot.of(cursor, state)
            if first is None:
                first = snapshot
            if snapshot.cursor >= stored:
                return first, snapshot
            self._step(task_id, snapshot)

    def _step(self, task_id: str, snapshot: Snapshot) -> None:
        """Index the next batch of records after the snapshot's cursor (or nothing, if another
        process got there first)."""
        raw = self.redis.lrange(
            keys.log(task_id), snapshot.cursor, snapshot.cursor + BATCH_RECORDS - 1
        )
        batch = _Batch(snapshot)
        assembler = Assembler(snapshot.state, batch.add, batch.add_block)
        for obj in orjson.loads(b"[" + b",".join(raw) + b"]"):
            assembler.feed(obj)
        plain = b"".join(batch.plain)
        state = assembler.to_state() | {
            "text_bytes": batch.text_bytes,
            "plain_bytes": batch.plain_bytes,
            "ascii": snapshot.ascii and plain.isascii(),
        }
        changed = assembler.sections.changed
        args: list[Any] = [snapshot.cursor, snapshot.cursor + len(raw), orjson.dumps(state)]
        args += [b"".join(batch.text), plain, bytes(batch.marks)]
        for number, section in changed.items():
            args += [number, orjson.dumps(section.to_json())]
        self._commit(keys=self._keys(task_id), args=args)

    @staticmethod
    def keys_of(task_id: str) -> list[str]:
        """The index's keys for one task."""
        return [
            keys.lines_meta(task_id),
            keys.lines_text(task_id),
            keys.lines_plain(task_id),
            keys.lines_marks(task_id),
            keys.lines_sections(task_id),
        ]

    def _keys(self, task_id: str) -> list[str]:
        return [*self.keys_of(task_id), keys.log(task_id)]

    def lines(self, task_id: str, start: int, count: int, snapshot: Snapshot) -> list[IndexedLine]:
        """Lines ``start`` to ``start + count - 1`` (1-based) of those the snapshot counts."""
        end = min(snapshot.count, start + count - 1)
        if start < 1 or start > end:
            return []
        lo, hi = self._span(keys.lines_marks(task_id), start, end, snapshot, text=True)
        raw = self.redis.getrange(keys.lines_text(task_id), lo, hi - 1)
        rows = raw.decode().split("\n")
        skip = (start - 1) % K
        found = []
        for n, row in enumerate(rows[skip : skip + end - start + 1], start):
            time, code, text = row.split("\t", 2)
            found.append(IndexedLine(n, text, float(time), STREAM_NAMES[code[0]], code[1:]))
        return found

    def _span(
        self, marks_key: str, start: int, end: int, snapshot: Snapshot, text: bool
    ) -> tuple[int, int]:
        """Where the checkpoint at or before line ``start`` is, and the one after line ``end``
        (or the end), in the text string (``text``) or the plain one."""
        first, last = (start - 1) // K, (end - 1) // K + 1
        raw = self.redis.getrange(marks_key, first * MARK.size, (last + 1) * MARK.size - 1)
        marks = [MARK.unpack_from(raw, at) for at in range(0, len(raw), MARK.size)]
        side = 0 if text else 1
        whole = snapshot.text_bytes if text else snapshot.plain_bytes
        hi = marks[last - first][side] if len(marks) > last - first else whole
        return marks[0][side], hi

    def plain(self, task_id: str, first: int, last: int, snapshot: Snapshot) -> bytes:
        """The plain text of lines ``first`` to ``last`` (1-based, inclusive, within the
        snapshot's count), each ending with ``\n``."""
        first_block, last_block = (first - 1) // K, (last - 1) // K
        raw = self.redis.getrange(
            keys.lines_marks(task_id), first_block * MARK.size, (last_block + 2) * MARK.size - 1
        )
        marks = [MARK.unpack_from(raw, at)[1] for at in range(0, len(raw), MARK.size)]
        if len(marks) == last_block - first_block + 1:
            marks.append(snapshot.plain_bytes)
        data = self._plain.read(task_id, marks[0], marks[-1])
        start = _skip_lines(data, 0, (first - 1) % K)
        end = _skip_lines(data, marks[-2] - marks[0], (last - 1) % K + 1)
        return data[start:end]

    def texts(self, task_id: str, numbers: list[int], snapshot: Snapshot) -> dict[int, str]:
        """The text (escapes kept) of each of these lines: one read per checkpoint block."""
        blocks = sorted({(n - 1) // K for n in numbers})
        pipe = self.redis.pipeline(transaction=False)
        for block in blocks:
            pipe.getrange(keys.lines_marks(task_id), block * MARK.size, (block + 2) * MARK.size - 1)
        spans = []
        for raw in pipe.execute():
            marks = [MARK.unpack_from(raw, at)[0] for at in range(0, len(raw), MARK.size)]
            spans.append((marks[0], marks[1] if len(marks) > 1 else snapshot.text_bytes))
        for lo, hi in spans:
            pipe.getrange(keys.lines_text(task_id), lo, hi - 1)
        rows = {
            block: data.decode().split("\n")
            for block, data in zip(blocks, pipe.execute(), strict=True)
        }
        return {n: rows[(n - 1) // K][(n - 1) % K].split("\t", 2)[2] for n in numbers}

    def sections(self, task_id: str) -> list[dict[str, Any]]:
        """The task's sections in start order (the index must be caught up first)."""
        raw = self.redis.hgetall(keys.lines_sections(task_id))
        ordered = sorted(raw.items(), key=lambda item: int(item[0]))
        return [orjson.loads(value) for _number, value in ordered]


def _skip_lines(data: bytes, pos: int, count: int) -> int:
    """The offset in ``data`` just after ``count`` more lines from ``pos``."""
    for _ in range(count):
        pos = data.index(b"\n", pos) + 1
    return pos


def _ignore(_line: Line) -> None:
    """A sink for an assembler only asked about its state."""
