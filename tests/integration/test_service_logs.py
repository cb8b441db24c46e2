"""The services' own logs reach Fluentd over the forward protocol when FLUENTD_HOST is set.

Real ``joblook`` processes send to a real TCP listener speaking the receiving side of the forward
protocol (tests/support/forward.py), as they send to the fluentd service in compose.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.forward import Event, ForwardReceiver, forward_receiver
from tests.support.processes import JOBLOOK, Service, free_port
from tests.support.stack import Stack
from tests.support.waiting import wait_for

FIELDS = {"service", "host", "pid", "level", "logger", "message"}


@pytest.fixture
def receiver() -> Iterator[ForwardReceiver]:
    """A forward-protocol listener on a free loopback port."""
    with forward_receiver() as listening:
        yield listening


@pytest.fixture
def logging_stack(tmp_path: Path, receiver: ForwardReceiver) -> Iterator[Stack]:
    """Redis, web, worker, shipper and scheduler, all logging to ``receiver``. The worker has one
    pool process at a time and replaces it after every task, so later ones are forked from a
    worker already connected to Fluentd."""
    env = {"FLUENTD_HOST": "127.0.0.1", "FLUENTD_PORT": str(receiver.port)}
    stack = Stack(tmp_path, extra_env=env, concurrency=1)
    stack.worker.argv.append("--max-tasks-per-child=1")
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()


def test_every_service_sends_its_own_log_tagged_with_its_name(
    logging_stack: Stack, receiver: ForwardReceiver, tmp_path: Path
) -> None:
    stack = logging_stack
    flower_env = {**stack.env, "FLOWER_PORT": str(free_port())}
    flower = Service("flower", [*JOBLOOK, "flower"], flower_env, tmp_path)
    flower.start()
    try:
        for name in ("web", "worker", "shipper", "scheduler", "flower"):
            receiver.wait_for(f"a record from {name}", lambda e, n=name: _is_from(e, n))
    finally:
        flower.stop()
    for event in receiver.events():
        assert event.tag.startswith("joblook.service."), event
        assert set(event.record) == FIELDS, event
        assert event.record["service"] == event.tag.removeprefix("joblook.service.")
        assert event.record["level"] in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}
        assert isinstance(event.record["pid"], int) and event.record["logger"], event
    (shipper_started,) = receiver.wait_for(
        "the shipper's start line", lambda e: e.record["message"].startswith("shipping ")
    )
    assert shipper_started.tag == "joblook.service.shipper"
    assert shipper_started.record["logger"] == "joblook.shipper.service"


def test_the_workers_pool_processes_log_through_their_own_connection(
    logging_stack: Stack, receiver: ForwardReceiver
) -> None:
    # The second task's pool process is forked from a worker already connected to Fluentd: each
    # must send on its own connection, and the worker's must survive the fork.
    stack = logging_stack
    assert stack.worker.proc is not None
    worker_pid = stack.worker.proc.pid  # `joblook worker` runs Celery's main process itself
    for _ in range(2):
        task_id = stack.enqueue("echo hello")
        stack.wait_finished(task_id)
        received = receiver.wait_for(
            "the worker's 'received' line",
            lambda e, t=task_id: _is_from(e, "worker") and f"[{t}] received" in e.record["message"],
        )
        succeeded = receiver.wait_for(
            "the pool's 'succeeded' line",
            lambda e, t=task_id: (
                _is_from(e, "worker") and f"[{t}] succeeded" in e.record["message"]
            ),
        )
        assert [e.record["pid"] for e in received] == [worker_pid]
        assert [e.record["pid"] for e in succeeded] != [worker_pid]
        assert succeeded[0].record["logger"] == "celery.app.trace"
        # Two processes writing one inherited socket would interleave their bytes.
        assert succeeded[0].connection != received[0].connection


def test_a_service_started_before_fluentd_sends_its_log_once_fluentd_listens(
    tmp_path: Path,
) -> None:
    # Compose starts fluentd only once web is healthy: web's first lines are logged before
    # anything listens on the forward port.
    port = free_port()
    env = {
        "PATH": "/usr/bin:/bin",
        "JOBLOOK_DATA_DIR": str(tmp_path / "var"),
        "JOBLOOK_AUTH": "none",
        "FLUENTD_HOST": "127.0.0.1",
        "FLUENTD_PORT": str(port),
    }
    shipper = Service("shipper", [*JOBLOOK, "shipper"], env, tmp_path)
    shipper.start()
    try:
        wait_for(
            lambda: "cannot reach Fluentd" in shipper.log_path.read_text(),
            20,
            "the shipper to say Fluentd is unreachable",
        )
        assert shipper.running, shipper.log_tail()
        with forward_receiver(port) as late:
            (event,) = late.wait_for(
                "the start line logged before Fluentd listened",
                lambda e: e.record["message"].startswith("shipping "),
            )
        assert event.tag == "joblook.service.shipper"
        assert shipper.running, shipper.log_tail()
    finally:
        shipper.stop()


def _is_from(event: Event, service: str) -> bool:
    return event.tag == f"joblook.service.{service}"
