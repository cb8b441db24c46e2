"""JOBLOOK_WEBHOOK_URL with the real stack: one POST per finished task, with its outcome."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.processes import free_port
from tests.support.stack import Stack, running_stack
from tests.support.waiting import wait_for

PUBLIC = "https://joblook.example"


class Receiver:
    """A webhook receiver on a free port; fails the first ``failures`` requests with a 500."""

    def __init__(self, failures: int = 0) -> None:
        self.port = free_port()
        self.failures = failures
        self.requests: list[dict[str, Any]] = []  # every request, failed ones too
        self.delivered: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with receiver.lock:
                    receiver.requests.append(body)
                    failing = len(receiver.requests) <= receiver.failures
                    if not failing:
                        receiver.delivered.append(body)
                self.send_response(500 if failing else 204)
                self.end_headers()

            def log_message(self, *_args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    """Fails the very first POST, so that one is delivered on a retry."""
    hook = Receiver(failures=1)
    yield hook
    hook.close()


@pytest.fixture(scope="module")
def hooked_stack(tmp_path_factory: pytest.TempPathFactory, receiver: Receiver) -> Iterator[Stack]:
    root: Path = tmp_path_factory.mktemp("webhook")
    env = {
        "JOBLOOK_WEBHOOK_URL": f"http://127.0.0.1:{receiver.port}/hook",
        "JOBLOOK_PUBLIC_URL": PUBLIC,
    }
    with running_stack(root, extra_env=env) as running:
        yield running


def test_each_finished_task_is_posted_once_with_its_outcome(
    hooked_stack: Stack, receiver: Receiver
) -> None:
    ok = hooked_stack.enqueue("sleep 0.5; echo fine")
    failed = hooked_stack.enqueue("exit 7")
    cancelled = hooked_stack.enqueue("sleep 30")
    wait_for(lambda: hooked_stack.task(cancelled)["state"] == "STARTED", 20, "the sleep to start")
    assert hooked_stack.http.delete(hooked_stack.url(f"/tasks/{cancelled}")).status_code == 202
    for task_id in (ok, failed, cancelled):
        hooked_stack.wait_finished(task_id)
    wait_for(lambda: len(receiver.delivered) >= 3, 30, "three webhook deliveries")
    by_task = {body["task_id"]: body for body in receiver.delivered}
    assert sorted(by_task) == sorted([ok, failed, cancelled])
    assert len(receiver.delivered) == 3  # one each
    assert len(receiver.requests) == 4  # the first one failed and was retried
    assert by_task[ok] | {"duration_seconds": None} == {
        "task_id": ok,
        "cmd": "sleep 0.5; echo fine",
        "state": "SUCCESS",
        "exit_code": 0,
        "duration_seconds": None,
        "url": f"{PUBLIC}/task?task_id={ok}",
        "submitted_by": "anonymous",  # JOBLOOK_AUTH=none
        "cancelled_by": None,
    }
    assert 0.5 <= by_task[ok]["duration_seconds"] < 30
    assert (by_task[failed]["state"], by_task[failed]["exit_code"]) == ("FAILURE", 7)
    assert by_task[cancelled]["state"] == "REVOKED"
    assert by_task[cancelled]["cmd"] == "sleep 30"
    assert by_task[cancelled]["cancelled_by"] == "anonymous"
