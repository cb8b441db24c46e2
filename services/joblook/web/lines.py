"""The log as numbered lines: windows of them, search, and sections (issue #17).

A page shows a log of any size by fetching the windows it scrolls to, and searches it here
rather than walking its own buffer. Lines are those of the LINES index (``store/lines``),
caught up from the permanent log before each read.
"""

from __future__ import annotations

from flask import Blueprint, current_app

from joblook.record import TERMINAL_STATES
from joblook.store.lines import search
from joblook.store.lines.index import Snapshot
from joblook.store.lines.pattern import Pattern, PatternError
from joblook.store.logstore import LogStore, TaskInfo
from joblook.web import auth
from joblook.web.errors import ApiError
from joblook.web.models import (
    LINES_MAX,
    MATCHES_MAX,
    CountQuery,
    CountReply,
    Lines,
    LinesQuery,
    SearchQuery,
    SearchReply,
    Sections,
)
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
    redraws a line, which shows its last frame. Each stream's unterminated line is in `partial`
    (several, while a program redraws rows it moved the cursor up to: in `hidden`).
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
        "hidden": snapshot.hidden(),
        "last_seq": snapshot.cursor,
        "finished": snapshot.finished or info.state in TERMINAL_STATES,
    }


def _pattern(q: str, regex: str, case: str) -> Pattern:
    try:
        return Pattern.compile(q, regex == "1", case == "1")
    except PatternError as exc:
        raise ApiError(400, str(exc)) from None


@bp.get("/tasks/<task_id>/search")
@spec.validate(resp=replies({200: SearchReply}, 404, 503), tags=["logs"])
def search_lines(task_id: str, query: SearchQuery) -> dict[str, object]:
    """Lines that match `q`, a page at a time: from line 1, after a line, or before one.

    Matching reads each line without its escapes (colours), one line at a time; the page
    gives each line as shown too, and where it matches. Works while the task runs (lines
    completed so far). Plain text by default; `regex=1` takes RE2's syntax, which runs in
    time linear in the log whatever the pattern (no lookarounds or backreferences).
    """
    if query.after is not None and query.before is not None:
        raise ApiError(400, "give after or before, not both")
    pattern = _pattern(query.q, query.regex, query.case)
    _info, snapshot = caught_up(task_id)
    index = _store().lines
    found = search.page(
        index,
        task_id,
        snapshot,
        pattern,
        after=query.after,
        before=query.before,
        limit=min(query.limit, MATCHES_MAX),
    )
    texts = index.texts(task_id, [f.n for f in found.found], snapshot) if found.found else {}
    return {
        "matches": [search.to_json(f, texts[f.n]) for f in found.found],
        "next": found.next,
        "total": snapshot.count,
    }


@bp.get("/tasks/<task_id>/search/count")
@spec.validate(resp=replies({200: CountReply}, 404, 503), tags=["logs"])
def count_matches(task_id: str, query: CountQuery) -> dict[str, object]:
    """How many lines match `q` (as the search matches them)."""
    pattern = _pattern(query.q, query.regex, query.case)
    _info, snapshot = caught_up(task_id)
    found, exact = search.count(_store().lines, task_id, snapshot, pattern)
    return {"count": found, "total": snapshot.count, "exact": exact}


@bp.get("/tasks/<task_id>/sections")
@spec.validate(resp=replies({200: Sections}, 404, 503), tags=["logs"])
def task_sections(task_id: str) -> dict[str, object]:
    """The foldable sections the output marked: GitHub's `::group::`, GitLab's
    `section_start`/`section_end`, Buildkite's `---`/`+++`/`~~~` headers; nested, with times."""
    caught_up(task_id)
    return {"sections": _store().lines.sections(task_id)}
