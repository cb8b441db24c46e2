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
    step belongs to (its state follows the step's), to the task list and to the task's room.
    Each chain or group is read and sent once, however many of its steps changed."""
    seen: set[str] = set()
    while task_ids:
        parents: list[str] = []
        for info in store.tasks(task_ids):
            if info is None or info.task_id in seen:
                continue
            seen.add(info.task_id)
            socketio.emit("task", info.to_json(), to=[TASKS_ROOM, info.task_id])
            # A chain's state follows its steps', a retried task's its latest attempt's.
            parents += [p for p in (info.parent, info.first_attempt) if p and p not in seen]
        task_ids = list(dict.fromkeys(parents))


def output_matched(text: str, task: dict[str, object]) -> None:
    """Emit an ``output_match`` event to the task list: lines of ``task`` just added match the
    output filter ``text`` of a home page (``outputwatch.py``)."""
    socketio.emit("output_match", {"q": text, "task": task}, to=TASKS_ROOM)
