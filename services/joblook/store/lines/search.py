"""Search a task's lines: pages of matching lines either way from a line, and their count.

The plain string is read in slices of whole lines (SLICE_LINES, found by the checkpoints) and
each slice searched in one pass by the pattern's engine (``pattern.py``); a match's line number
is the slice's first line plus the newlines before it, counted in C. A page stops reading as
soon as it has its lines, so the first page of a search that matches early costs one slice,
however long the log; paging backwards reads slices that grow from BACK_FIRST_LINES, since the
previous match is usually near.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from joblook.store.lines.index import LineIndex, Snapshot
from joblook.store.lines.pattern import Pattern, count_lines, matching_lines

SLICE_LINES = 65_536  # lines read and searched at once (a few MB)
BACK_FIRST_LINES = 1_024  # the first slice read backwards; each next one is twice as long
COUNT_SECONDS = 2.0  # a count stops after this long and says it is a lower bound


@dataclass(slots=True)
class Found:
    """A matching line: its number, its plain text, where the pattern matches in it."""

    n: int
    plain: str
    ranges: list[list[int]]


@dataclass(slots=True)
class Page:
    found: list[Found]
    next: int | None  # the cursor for the next page: after= (forwards) or before= (backwards)


def page(
    index: LineIndex,
    task_id: str,
    snapshot: Snapshot,
    pattern: Pattern,
    *,
    after: int | None = None,
    before: int | None = None,
    limit: int = 100,
) -> Page:
    """Up to ``limit`` matching lines after line ``after`` ascending (from line 1 without it),
    or before line ``before`` descending."""
    if before is not None:
        lines = _backwards(index, task_id, snapshot, pattern, before)
    else:
        lines = _forwards(index, task_id, snapshot, pattern, (after or 0) + 1)
    found: list[Found] = []
    for n, plain in lines:
        if len(found) == limit:  # one more exists: the page has a next
            return Page(found, found[-1].n)
        found.append(Found(n, plain, pattern.spans(plain)))
    return Page(found, None)


def count(index: LineIndex, task_id: str, snapshot: Snapshot, pattern: Pattern) -> tuple[int, bool]:
    """How many lines match, and whether that is exact (False: stopped at COUNT_SECONDS)."""
    deadline = time.monotonic() + COUNT_SECONDS
    total = 0
    for first in range(1, snapshot.count + 1, SLICE_LINES):
        last = min(snapshot.count, first + SLICE_LINES - 1)
        found, exact = count_lines(pattern, index.plain(task_id, first, last, snapshot), deadline)
        total += found
        if not exact:
            return total, False
    return total, True


def _forwards(
    index: LineIndex, task_id: str, snapshot: Snapshot, pattern: Pattern, first: int
) -> Iterator[tuple[int, str]]:
    while first <= snapshot.count:
        last = min(snapshot.count, first + SLICE_LINES - 1)
        yield from _matches(pattern, index.plain(task_id, first, last, snapshot), first)
        first = last + 1


def _backwards(
    index: LineIndex, task_id: str, snapshot: Snapshot, pattern: Pattern, before: int
) -> Iterator[tuple[int, str]]:
    last, size = min(before - 1, snapshot.count), BACK_FIRST_LINES
    while last >= 1:
        first = max(1, last - size + 1)
        data = index.plain(task_id, first, last, snapshot)
        yield from reversed(list(_matches(pattern, data, first)))
        last, size = first - 1, min(size * 2, SLICE_LINES)


def _matches(pattern: Pattern, data: bytes, first: int) -> Iterator[tuple[int, str]]:
    """Each matching line of ``data`` (whose first line is number ``first``): number, text."""
    n, counted = first, 0
    for start in matching_lines(pattern, data):
        n += data.count(b"\n", counted, start)
        counted = start
        end = data.index(b"\n", start)
        yield n, data[start:end].decode()


def to_json(found: Found, text: str) -> dict[str, Any]:
    return {"n": found.n, "text": text, "plain": found.plain, "ranges": found.ranges}
