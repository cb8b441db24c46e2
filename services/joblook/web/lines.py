"""The log as numbered lines: windows of them, search, and sections (issue #17).

A page shows a log of any size by fetching the windows it scrolls to, and searches it here
rather than walking its own buffer. Lines are those of the LINES index (``store/lines``),
caught up from the permanent log before each read.
"""

from __future__ import annotations

from flask import Blueprint, current_app

from joblook.record import TERMINAL_STATES
from joblook.store.lines.index import Snapshot
from joblook.store.logstore import LogStore, TaskInfo
from joblook.web import auth
from joblook.web.errors import ApiError
from joblook.web.models import LINES_MAX, Lines, LinesQuery
from joblook.web.spec import replies, spec
from joblook.web.tasks import known_task

bp = Blueprint("lines", __name__)
auth.protect(bp, "the API")


def _store() -> LogStore:
    return current_app.extensions["joblook.store"]


def caught_up(task_id: str) -> tuple[TaskInfo, Snapshot]:
    """The task (404 if unknown) and its LINES index, brought up to date with its log."""
    info = known_task(task_id)
    return info, _store().lines.catch_up(task_id)


@bp.get("/tasks/<task_id>/lines")
@spec.validate(resp=replies({200: Lines}, 404, 503), tags=["logs"])
def task_lines(task_id: str, query: LinesQuery) -> dict[str, object]:
    """A window of the output's lines: `start` and `count`, or the last `tail` lines.

    Lines are numbered 1, 2, 3... as they complete (stdout's and stderr's together); a `\\r`
    redraws a line, which shows its last frame. Each stream's unterminated line is in `partial`.
    """
    if query.start is not None and query.tail is not None:
        raise ApiError(400, "give start or tail, not both")
    info, snapshot = caught_up(task_id)
    if query.tail is not None:
        count = min(query.tail, LINES_MAX)
        start = max(1, snapshot.count - count + 1)
    else:
        count = min(query.count, LINES_MAX)
        start = query.start or 1
    lines = _store().lines.lines(task_id, start, count, snapshot)
    return {
        "task_id": task_id,
        "total": snapshot.count,
        "start": start,
        "lines": [line.to_json() for line in lines],
        "partial": snapshot.partials(),
        "last_seq": snapshot.cursor,
        "finished": snapshot.finished or info.state in TERMINAL_STATES,
    }
