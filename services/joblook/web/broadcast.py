"""Task-level news: new tasks and state changes, for the task list (the home page) and for the
task's own page, which is in the room named after the task id.

Sent through Socket.IO's message queue, so clients of every web process hear it.
"""

from __future__ import annotations

from joblook.store.logstore import LogStore
from joblook.web.extensions import socketio

TASKS_ROOM = "tasks"


def task_changed(store: LogStore, task_ids: list[str]) -> None:
    """Emit a ``task`` event with the current view of each task, and of the chain or group a
    step belongs to (its state follows the step's), to the task list and to the task's room."""
    seen: set[str] = set()
    for task_id in task_ids:
        info = store.task(task_id)
        while info is not None and info.task_id not in seen:
            seen.add(info.task_id)
            socketio.emit("task", info.to_json(), to=[TASKS_ROOM, info.task_id])
            info = store.task(info.parent) if info.parent else None
