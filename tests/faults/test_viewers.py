"""Viewers under faults and load: a Socket.IO client that loses its web server resumes without a
gap, and a hundred viewers of forty busy tasks each get every line once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from tests.support.socketclient import InOrderClient
from tests.support.stack import TERMINAL, Stack, output_of, running_stack, seqs_of
from tests.support.waiting import wait_for


def paced(lines: int, pause_every: int = 100) -> str:
    """A command printing ``lines`` numbered lines, pausing 20 ms every ``pause_every`` lines."""
    return (
        'python3 -c "import time\n'
        f"for i in range(1, {lines + 1}):\n"
        "    print(i)\n"
        f'    if i % {pause_every} == 0: time.sleep(0.02)"'
    )


class Viewer:
    """One Socket.IO client following one task, as the task page does: on every (re)connection it
    subscribes with ``after_seq`` = the last seq it has."""

    def __init__(self, base_url: str, task_id: str) -> None:
        self.task_id = task_id
        self.records: list[dict[str, Any]] = []
        self.final: dict[str, Any] | None = None
        self.connections = 0
        self._lock = threading.Lock()
        self.client = InOrderClient(reconnection=True, reconnection_delay=0.2)
        self.client.on("connect", self._subscribe)
        self.client.on("log", self._on_log)
        self.client.on("status", self._on_status)
        self.client.connect(base_url, transports=["websocket"], wait_timeout=10)

    @property
    def last_seq(self) -> int:
        with self._lock:
            return self.records[-1]["seq"] if self.records else 0

    def _subscribe(self) -> None:
        self.connections += 1
        body = {"task_id": self.task_id, "after_seq": self.last_seq}
        self.client.emit("subscribe", body)

    def _on_log(self, data: dict[str, Any]) -> None:
        with self._lock:
            self.records.extend(r for r in data["records"] if r["task_id"] == self.task_id)

    def _on_status(self, data: dict[str, Any]) -> None:
        if data["task_id"] == self.task_id and data["state"] in TERMINAL:
            self.final = data

    def close(self) -> None:
        self.client.disconnect()


@contextmanager
def viewers(stack: Stack, task_ids: list[str]) -> Iterator[list[Viewer]]:
    with ExitStack() as cleanup:
        opened = []
        for task_id in task_ids:
            viewer = Viewer(stack.base_url, task_id)
            cleanup.callback(viewer.close)
            opened.append(viewer)
        yield opened


def assert_saw_everything(viewer: Viewer, stack: Stack) -> None:
    log = stack.permlog(viewer.task_id)
    assert seqs_of(viewer.records) == list(range(1, log["last_seq"] + 1)), viewer.task_id
    assert viewer.records == log["records"]


def test_a_socketio_viewer_resumes_gap_free_after_kill_9_of_the_web(fresh_stack: Stack) -> None:
    stack = fresh_stack
    task_id = stack.enqueue(paced(6000))
    with viewers(stack, [task_id]) as (viewer,):
        wait_for(lambda: viewer.last_seq > 500, 20, "the viewer to be following")
        stack.web.kill()
        stack.web.start()
        stack.wait_ready()
        stack.wait_finished(task_id)
        wait_for(lambda: viewer.final, 30, "the viewer to hear the end")
        assert viewer.connections >= 2  # it did lose the server and come back
        assert_saw_everything(viewer, stack)


TASKS = 40
VIEWERS = 100
LINES = 3000


def test_forty_busy_tasks_and_a_hundred_viewers_lose_nothing(tmp_path: Path, shipper: str) -> None:
    # With Fluentd, forty files are tailed at once and their lines share batches.
    with running_stack(tmp_path, concurrency=TASKS, shipper=shipper) as stack:
        task_ids = [stack.enqueue(paced(LINES)) for _ in range(TASKS)]
        watched = [task_ids[n % TASKS] for n in range(VIEWERS)]
        with viewers(stack, watched) as opened:
            for task_id in task_ids:
                log = stack.wait_finished(task_id, timeout=120)
                assert log["state"] == "SUCCESS"
                # Python's print fills 8 KiB blocks that split lines; a block arriving after
                # the worker's pause flush leaves a partial-line record. Bytes are what count.
                assert output_of(log["records"], "stdout") == "".join(
                    f"{i}\n" for i in range(1, LINES + 1)
                )
            wait_for(lambda: all(v.final for v in opened), 60, "every viewer to hear the end")
            for viewer in opened:
                assert_saw_everything(viewer, stack)
