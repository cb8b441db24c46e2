"""Task resources: list, describe, and stream output (for `curl -N`, like `docker logs -f`)."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Blueprint, Response, current_app
from pydantic import ValidationError

from joblook import record
from joblook.record import TERMINAL_STATES, State
from joblook.roles import OPERATOR
from joblook.settings import Settings
from joblook.store.audit import CANCEL
from joblook.store.cancellation import read_cancel, request_cancel
from joblook.store.lines.pattern import PatternError
from joblook.store.logstore import LogStore, TaskInfo, decode_records
from joblook.store.slots import Slots
from joblook.web import auth, broadcast
from joblook.web.callers import Caller
from joblook.web.errors import ApiError
from joblook.web.feed import LiveFeed
from joblook.web.models import (
    TASKS_MAX,
    CancelReply,
    LogQuery,
    Metrics,
    TaskIdQuery,
    TaskList,
    TasksQuery,
    TaskWithCancel,
)
from joblook.web.placement import task_placement
from joblook.web.retrier import close_scheduled
from joblook.web.spec import other_content, refusal, replies, spec
from joblook.web.taskfilter import task_filter

bp = Blueprint("tasks", __name__)
auth.protect(bp, "the API")

PAGE = 5_000  # records per store read while streaming
RECHECK_SECONDS = 5.0  # a follower re-reads the store this often even without a notification


def _settings() -> Settings:
    return current_app.extensions["joblook.settings"]


def _store() -> LogStore:
    return current_app.extensions["joblook.store"]


def known_task(task_id: str) -> TaskInfo:
    """The task a path names; 400 for a malformed id (spectree checks no path), 404 if unknown."""
    try:
        TaskIdQuery(task_id=task_id)
    except ValidationError as exc:
        raise refusal(exc) from None
    info = _store().task(task_id)
    if info is None:
        raise ApiError(404, "unknown task", {"task_id": task_id})
    return info


@bp.get("/tasks")
@spec.validate(resp=replies({200: TaskList}, 503), tags=["tasks"])
def list_tasks(query: TasksQuery) -> dict[str, object]:
    """Recent tasks, newest first; ``before`` (a task's created_at) pages further back.

    `q` keeps those whose command contains it (any case); with `output=1`, also those whose
    output does (looking at outputs for at most 2 s a page).
    """
    limit = min(query.limit, TASKS_MAX)
    try:
        keep = task_filter(_store(), query.q, query.output == "1") if query.q else None
    except PatternError as exc:
        raise ApiError(400, str(exc)) from None
    tasks = _store().list_tasks(limit=limit, before=query.before, state=query.state, keep=keep)
    return {"tasks": [t.to_json() for t in tasks]}


@bp.get("/tasks/<task_id>")
@spec.validate(resp=replies({200: TaskWithCancel}, 404, 503), tags=["tasks"])
def get_task(task_id: str) -> dict[str, object]:
    """What is known about one task."""
    info = known_task(task_id)
    ended = info.state in TERMINAL_STATES
    cancel = None if ended else read_cancel(_store().redis, info.task_id)
    requested = {"by": cancel.by, "at": cancel.at} if cancel else None
    roster = current_app.extensions["joblook.workers"].roster
    where = task_placement(Slots(_store().redis), info, roster)
    return info.to_json() | {"cancel_requested": requested} | where


@bp.get("/tasks/<task_id>/metrics")
@spec.validate(resp=replies({200: Metrics}, 404, 503), tags=["logs"])
def task_metrics(task_id: str) -> Response:
    """The metric series the task's output reported, as `[step, value]` points.

    A line that is exactly a JSON object with `metrics` (and an optional `step`, else the last
    step + 1, from 0) adds a point to each named series. Series are in order of first appearance;
    each keeps at most 10,000 points spread evenly over the run, and always its latest point.
    """
    info = known_task(task_id)
    return Response(_store().series(info.task_id), mimetype="application/json")


@bp.delete("/tasks/<task_id>")
@auth.requires(OPERATOR)
@spec.validate(resp=replies({202: CancelReply}, 404, 409, 503), tags=["tasks"])
def cancel_task(task_id: str) -> tuple[dict[str, object], int]:
    """Cancel a task (every unfinished step of a chain or group; a retried task's latest attempt,
    which ends its retries).

    A queued task never starts; a running one's whole process tree is stopped; an attempt waiting
    for its retry delay ends REVOKED at once. 409 when it has already ended.
    """
    return {"task_id": task_id, "cancel_requested": cancel(task_id, auth.caller(), "api")}, 202


def cancel(task_id: str, who: Caller, via: str) -> list[str]:
    """Ask for the task's unfinished parts to be cancelled on behalf of ``who``; the ids asked
    for. 404 or 409 (as ApiError) when it is unknown or has ended."""
    info = known_task(task_id)
    if info.state in TERMINAL_STATES:
        raise ApiError(409, "the task has already ended", {"state": info.state})
    store = _store()
    if info.kind is not None:
        targets = [s for s in map(store.task, info.steps) if s]
    elif len(info.attempts) > 1:
        targets = [s for s in [store.own(info.attempts[-1])] if s]
    else:
        targets = [info]
    by = f"{via} ({who.name} from {who.address or 'unknown'})"
    cancelled = [t.task_id for t in targets if t.state not in TERMINAL_STATES]
    for target in cancelled:
        request_cancel(store.redis, target, by)
    store.mark_cancelled_by([task_id, *cancelled], who.name)
    _close_waiting_attempts(store, cancelled)
    auth.audit().add(CANCEL, who.name, who.address, task_id=task_id, via=via)
    broadcast.task_changed(store, [task_id])
    return cancelled


def _close_waiting_attempts(store: LogStore, task_ids: list[str]) -> None:
    """End at once the attempts that wait for their retry delay: no worker holds them."""
    closed = []
    for task_id in task_ids:
        cancel = read_cancel(store.redis, task_id)
        if cancel is not None and close_scheduled(store, task_id, cancel.message):
            closed.append(task_id)
    if closed:
        broadcast.task_changed(store, closed)


@bp.get("/tasks/<task_id>/log")
@spec.validate(resp=replies({200: None}, 404, 503), tags=["logs"])
@other_content(200, "text/plain", "application/x-ndjson")
def task_log(task_id: str, query: LogQuery) -> Response:
    """The output so far; with ``follow=1``, streamed as it is printed until the task ends.

    ``format=text`` (default) is the output of both streams; ``format=jsonl`` is the records,
    one JSON object per line, status records included (what ``joblook submit --follow`` reads).
    """
    known_task(task_id)
    follow, fmt = query.follow == "1", query.format
    feed: LiveFeed = current_app.extensions["joblook.feed"]
    pages = _pages(_store(), feed, task_id, follow, _settings().feed_event_bytes)
    body = _as_text(pages) if fmt == "text" else _as_jsonl(pages)
    mimetype = "text/plain" if fmt == "text" else "application/x-ndjson"
    # X-Accel-Buffering: a proxy in front must pass each piece on at once.
    return Response(body, mimetype=mimetype, headers={"X-Accel-Buffering": "no"})


def _pages(
    store: LogStore, feed: LiveFeed, task_id: str, follow: bool, max_bytes: int
) -> Iterator[tuple[list[bytes], list[dict[str, object]]]]:
    """Stored records in order, page by page (each at most ``max_bytes``, as a live event is);
    when following, wait for more until the end."""
    after = 0
    while True:
        raw, _more = store.read_event(task_id, after, PAGE, max_bytes)
        if raw:
            objs = decode_records(raw)
            after += len(raw)
            yield raw, objs
            if any(_ends_task(obj) for obj in objs):
                return
        elif not follow:
            return
        else:
            feed.wait_for_append(task_id, after, RECHECK_SECONDS)


def _ends_task(obj: dict[str, object]) -> bool:
    status = record.status_of(obj)
    return status is not None and State(status[0]).is_terminal


def _as_text(pages: Iterator[tuple[list[bytes], list[dict[str, object]]]]) -> Iterator[str]:
    for _raw, objs in pages:
        text = record.output_text(objs)
        if text:
            yield text


def _as_jsonl(pages: Iterator[tuple[list[bytes], list[dict[str, object]]]]) -> Iterator[bytes]:
    for raw, _objs in pages:
        yield b"\n".join(raw) + b"\n"
