"""Task-level news for everyone watching the task list (the home page): new tasks, state changes.

Sent through Socket.IO's message queue, so clients of every web process hear it.
"""

from __future__ import annotations

from joblook.store.logstore import LogStore
from joblook.web.extensions import socketio

TASKS_ROOM = "tasks"


def task_changed(store: LogStore, task_ids: list[str]) -> None:
    """Emit a ``task`` event with the current view of each task."""
    for task_id in task_ids:
        info = store.task(task_id)
        if info is not None:
            socketio.emit("task", info.to_json(), to=TASKS_ROOM)
