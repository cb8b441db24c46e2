"""Socket.IO events (default namespace). Rooms are named after the task id they watch."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask_socketio import ConnectionRefusedError, join_room, leave_room

from joblook import record
from joblook.store.lines.pattern import PatternError
from joblook.web import auth, broadcast
from joblook.web.extensions import socketio
from joblook.web.feed import LiveFeed
from joblook.web.models import MAX_SAFE_INTEGER
from joblook.web.outputwatch import OutputWatch


def _feed() -> LiveFeed:
    return current_app.extensions["joblook.feed"]


def _output_watch() -> OutputWatch:
    return current_app.extensions["joblook.outputwatch"]


@socketio.on("connect")
def on_connect(auth_payload: dict[str, Any] | None = None) -> None:
    """A browser or client connects; when a token is configured it must be in ``auth``."""
    expected = current_app.extensions["joblook.settings"].token
    if expected is None:
        return
    given = auth_payload.get("token") if isinstance(auth_payload, dict) else None
    if not isinstance(given, str):
        given = auth.user_token(request)  # the pages' cookie, sent with the handshake
    if not auth.matches(given, expected):
        raise ConnectionRefusedError("unauthorized: pass the token in the auth payload")


@socketio.on("subscribe")
def on_subscribe(data: Any) -> dict[str, object]:
    """Client asks for a task's records with seq > after_seq, then live ones and status changes."""
    if not isinstance(data, dict) or not record.is_task_id(data.get("task_id")):
        return {"ok": False, "error": "subscribe needs {task_id: <uuid>, after_seq: <int>}"}
    after_seq = data.get("after_seq", 0)
    # Bounded as in HTTP queries: past Redis' 64-bit offsets, every read of the task's live feed
    # failed (for all its subscribers) and was retried for good.
    if type(after_seq) is not int or not 0 <= after_seq <= MAX_SAFE_INTEGER:
        return {
            "ok": False,
            "error": f"after_seq must be an integer >= 0 and <= {MAX_SAFE_INTEGER}",
        }
    task_id = data["task_id"]
    if current_app.extensions["joblook.store"].task(task_id) is None:
        return {"ok": False, "error": "unknown task"}
    join_room(task_id)
    _feed().subscribe(request.sid, task_id, after_seq)
    return {"ok": True}


@socketio.on("unsubscribe")
def on_unsubscribe(data: Any) -> dict[str, object]:
    """Client stops watching a task."""
    if not isinstance(data, dict) or not record.is_task_id(data.get("task_id")):
        return {"ok": False, "error": "unsubscribe needs {task_id: <uuid>}"}
    leave_room(data["task_id"])
    _feed().unsubscribe(request.sid, data["task_id"])
    return {"ok": True}


@socketio.on("watch_tasks")
def on_watch_tasks(*_args: object) -> dict[str, object]:
    """The home page asks for ``task`` events: new tasks and state changes."""
    join_room(broadcast.TASKS_ROOM)
    return {"ok": True}


@socketio.on("watch_output")
def on_watch_output(data: Any) -> dict[str, object]:
    """The home page, filtering by output, asks for ``output_match`` events for its text (and
    asks again every minute while it filters: a text lapses two minutes after)."""
    text = data.get("q") if isinstance(data, dict) else None
    if not isinstance(text, str):
        return {"ok": False, "error": "watch_output needs {q: <text>}"}
    try:
        _output_watch().watch(text)
    except PatternError as exc:
        return {"ok": False, "error": str(exc)}
    join_room(broadcast.TASKS_ROOM)
    return {"ok": True}


@socketio.on("disconnect")
def on_disconnect(*_reason: object) -> None:
    """The connection is gone: forget its subscriptions."""
    _feed().drop(request.sid)
