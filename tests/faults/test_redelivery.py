"""Redis re-delivers a message not acknowledged within the visibility timeout: no command runs
twice because of it.

A worker acknowledges a message when its task starts, so the one it prefetched while busy stays
unacknowledged. kombu's sweep puts such messages back in the queue once they are older than the
visibility timeout; it runs every 100 s by default, so the test runs the same sweep itself.
"""

from __future__ import annotations

import collections
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from joblook.settings import Settings
from joblook.taskqueue import make_celery
from tests.support.stack import Stack, running_stack
from tests.support.waiting import wait_for

VISIBILITY_TIMEOUT = 1.0  # seconds; the first task runs several times longer


@pytest.fixture
def short_visibility_stack(tmp_path: Path) -> Iterator[Stack]:
    """One worker with one slot, on a broker that re-delivers after a second."""
    env = {"JOBLOOK_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT)}
    with running_stack(tmp_path, extra_env=env, concurrency=1) as stack:
        yield stack


def test_a_task_redelivered_after_the_visibility_timeout_runs_once(
    short_visibility_stack: Stack, tmp_path: Path
) -> None:
    stack, runs = short_visibility_stack, tmp_path / "runs"
    app = make_celery(Settings.from_env(stack.env))
    busy = stack.enqueue(f"echo busy >> {runs}; sleep 3")
    held = stack.enqueue(f"echo held >> {runs}")
    with app.connection_for_write() as connection:
        qos = connection.default_channel.qos
        client = connection.default_channel.client

        def held_unacknowledged() -> bool:
            return any(held.encode() in body for body in client.hvals(qos.unacked_key))

        wait_for(held_unacknowledged, 20, "the worker to prefetch the second task")
        time.sleep(VISIBILITY_TIMEOUT + 0.2)
        qos.restore_visible(num=100, interval=1)  # the sweep kombu runs in every worker
    assert stack.wait_finished(busy)["state"] == "SUCCESS"
    assert stack.wait_finished(held)["state"] == "SUCCESS"
    wait_for(
        lambda: f"{held} delivered again" in stack.worker.log_path.read_text(),
        20,
        "the worker to take the redelivered message",
    )
    assert collections.Counter(runs.read_text().split()) == {"busy": 1, "held": 1}
