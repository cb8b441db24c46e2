"""Search a task's lines: pages of matching lines either way from a line, and their count.

The plain string is read in slices of whole lines (SLICE_LINES, found by the checkpoints) and
each slice searched in one pass by the pattern's engine (``pattern.py``); a match's line number
is the slice's first line plus the newlines before it, counted in C. A page stops reading as
soon as it has its lines, so the first page of a search that matches early costs one slice,
however long the log; paging backwards reads slices that grow from BACK_FIRST_LINES, since the
previous match is usually near.

Searching a slice is CPU work in C (RE2 and ``re`` release the GIL or run in one call); in the
web (eventlet) it runs on a native thread of eventlet's pool, so the hub goes on serving live
viewers and other requests meanwhile, on the other core; reads from Redis stay on the hub.
Outside eventlet (tests, scripts) it simply runs.
"""

from __future__ import annotations

import importlib
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from joblook.store.lines.index import LineIndex, Snapshot
from joblook.store.lines.pattern import Pattern, count_lines, matching_lines

# Lines read and searched at once (8 MB of the bench's lines): few slices, since each hand-over
# to a native thread and back waits for the OS to run that thread, long on a loaded machine.
SLICE_LINES = 262_144
OFF_HUB_BYTES = 1 << 20  # less is searched on the hub: quicker than a hand-over
BACK_FIRST_LINES = 1_024  # the first slice read backwards; each next one is twice as long
COUNT_SECONDS = 2.0  # a count stops after this long and says it is a lower bound

T = TypeVar("T")


def off_hub(work: Callable[..., T], data: bytes, *args: Any) -> T:
    """``work(data, *args)`` on one of eventlet's native threads when eventlet has patched
    threads (the web) and ``data`` is long, so that the hub is not blocked while it runs; else
    here and now."""
    patcher = sys.modules.get("eventlet.patcher")
    if len(data) >= OFF_HUB_BYTES and patcher is not None and patcher.is_monkey_patched("thread"):
        tpool = importlib.import_module("eventlet.tpool")  # only where eventlet already runs
        return tpool.execute(work, data, *args)
    return work(data, *args)


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
    want = limit + 1  # one more than a page: whether there is a next
    if before is not None:
        lines = _backwards(index, task_id, snapshot, pattern, before, want=want)
    else:
        lines = _forwards(index, task_id, snapshot, pattern, (after or 0) + 1, want=want)
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
        data = index.plain(task_id, first, last, snapshot)
        found, exact = off_hub(_count, data, pattern, deadline, snapshot.ascii)
        total += found
        if not exact:
            return total, False
    return total, True


def _forwards(
    index: LineIndex, task_id: str, snapshot: Snapshot, pattern: Pattern, first: int, *, want: int
) -> Iterator[tuple[int, str]]:
    while first <= snapshot.count and want > 0:
        last = min(snapshot.count, first + SLICE_LINES - 1)
        data = index.plain(task_id, first, last, snapshot)
        found = off_hub(_matches, data, pattern, first, snapshot.ascii, want)
        yield from found
        want -= len(found)
        first = last + 1


def _backwards(
    index: LineIndex,
    task_id: str,
    snapshot: Snapshot,
    pattern: Pattern,
    before: int,
    *,
    want: int,
) -> Iterator[tuple[int, str]]:
    last, size = min(before - 1, snapshot.count), BACK_FIRST_LINES
    while last >= 1 and want > 0:
        first = max(1, last - size + 1)
        data = index.plain(task_id, first, last, snapshot)
        found = off_hub(_matches, data, pattern, first, snapshot.ascii, None)[::-1][:want]
        yield from found
        want -= len(found)
        last, size = first - 1, min(size * 2, SLICE_LINES)


def _count(data: bytes, pattern: Pattern, deadline: float, ascii: bool) -> tuple[int, bool]:
    return count_lines(pattern, data, deadline, ascii)


def _matches(
    data: bytes, pattern: Pattern, first: int, ascii: bool, most: int | None
) -> list[tuple[int, str]]:
    """The matching lines of ``data`` (whose first line is number ``first``), at most ``most``
    of them from its start: number and text."""
    found: list[tuple[int, str]] = []
    n, counted = first, 0
    for start in matching_lines(pattern, data, ascii=ascii):
        if most is not None and len(found) == most:
            break
        n += data.count(b"\n", counted, start)
        counted = start
        end = data.index(b"\n", start)
        found.append((n, data[start:end].decode()))
    return found


def to_json(found: Found, text: str) -> dict[str, Any]:
    return {"n": found.n, "text": text, "plain": found.plain, "ranges": found.ranges}
