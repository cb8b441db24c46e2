"""``GET /tasks?q=``: which tasks of the history a filter keeps.

The command is matched as text, case ignored. With ``output=1`` a task whose command does not
match is kept if a line of its output does (the first match ends the search in that task,
through the LINES index as ``/search`` reads it). Looking at outputs stops after OUTPUT_SECONDS
per request, so a filter over a long history of long logs costs a bounded time: the page then
holds the matches found so far, and the next page (``before``) goes on from there.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from joblook.store.lines import search
from joblook.store.lines.pattern import Pattern
from joblook.store.logstore import LogStore, TaskInfo

OUTPUT_SECONDS = 2.0


def task_filter(store: LogStore, q: str, output: bool) -> Callable[[TaskInfo], bool]:
    """Whether a task matches ``q``, by command (and with ``output``, by output)."""
    needle = q.casefold()
    pattern = Pattern.compile(q) if output else None
    deadline = time.monotonic() + OUTPUT_SECONDS

    def keep(info: TaskInfo) -> bool:
        if needle in (info.cmd or "").casefold():
            return True
        if pattern is None or info.kind is not None or time.monotonic() > deadline:
            return False  # a chain's or group's output is its steps', listed on their own
        snapshot = store.lines.catch_up(info.task_id)
        return bool(search.page(store.lines, info.task_id, snapshot, pattern, limit=1).found)

    return keep
