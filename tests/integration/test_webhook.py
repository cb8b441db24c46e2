"""JOBLOOK_WEBHOOK_URL with the real stack: one POST per finished task, with its outcome."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.receiver import Receiver
from tests.support.stack import Stack, running_stack
from tests.support.waiting import wait_for

PUBLIC = "https://joblook.example"


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
