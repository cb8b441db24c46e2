"""Several web processes on one Redis: Socket.IO news made by one reaches the pages of another,
all of it and in order, although a process publishes a few milliseconds' news at once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.support.socketclient import InOrderClient
from tests.support.stack import Stack, running_stack
from tests.support.waiting import wait_for

CLIENTS, EACH = 4, 10


@pytest.fixture(scope="module")
def two_webs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, str]]:
    """A stack, and the base URL of a second web process on its Redis."""
    with running_stack(tmp_path_factory.mktemp("replicas")) as stack:
        yield stack, stack.add_web("web2")


def test_a_watcher_on_one_web_hears_every_task_enqueued_through_another_in_order(
    two_webs: tuple[Stack, str],
) -> None:
    stack, other_web = two_webs
    heard: list[str] = []
    lock = threading.Lock()

    def on_task(data: dict[str, Any]) -> None:
        if data["state"] == "PENDING":
            with lock:
                heard.append(data["task_id"])

    client = InOrderClient(reconnection=False)
    client.on("task", on_task)
    client.connect(other_web, transports=["websocket"], wait_timeout=10)
    try:
        assert client.call("watch_tasks", timeout=10) == {"ok": True}
        # Concurrent requests, so several tasks' news share one publish.
        per_client = _enqueue_concurrently(stack.url("/enqueue"))
        total = CLIENTS * EACH
        wait_for(lambda: len(heard) >= total, 20, "every new task's news on the other web")
    finally:
        client.disconnect()
    with lock:
        got = list(heard)
    assert sorted(got) == sorted(t for own in per_client for t in own)
    for own in per_client:  # each client's tasks are heard in the order they were created
        assert [t for t in got if t in own] == own


def _enqueue_concurrently(url: str) -> list[list[str]]:
    """``CLIENTS`` threads each enqueue ``EACH`` commands one after another; their task ids."""
    per_client: list[list[str]] = [[] for _ in range(CLIENTS)]

    def client(own: list[str]) -> None:
        with requests.Session() as session:
            for _ in range(EACH):
                reply = session.post(url, json={"cmd": "true"}, timeout=10)
                if reply.status_code == 202:
                    own.append(reply.json()["task_id"])

    threads = [threading.Thread(target=client, args=(own,)) for own in per_client]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert [len(own) for own in per_client] == [EACH] * CLIENTS, "every enqueue answered 202"
    return per_client


def test_a_task_enqueued_through_one_web_reads_the_same_through_another(
    two_webs: tuple[Stack, str],
) -> None:
    stack, other_web = two_webs
    task_id = stack.enqueue("echo from one")
    stack.wait_finished(task_id)
    reply = requests.get(f"{other_web}/tasks/{task_id}", timeout=10)
    assert reply.status_code == 200
    assert reply.json()["state"] == "SUCCESS"
