"""Socket.IO: subscribe with after_seq, get backlog then live records without a gap, then status."""

from __future__ import annotations

import threading
from typing import Any

from tests.support.stack import Stack, seqs_of
from tests.support.waiting import wait_for

SLOW_COUNT = "for i in $(seq 1 200); do echo line $i; sleep 0.01; done"


class Subscription:
    """What one client received for one task, in arrival order."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []
        self.events: list[str] = []
        self.final_status: dict[str, Any] | None = None
        self.lock = threading.Lock()

    def on_log(self, data: dict[str, Any]) -> None:
        with self.lock:
            self.records.extend(data["records"])
            self.events.append("log")

    def on_status(self, data: dict[str, Any]) -> None:
        with self.lock:
            self.events.append(f"status:{data['state']}")
            if data["state"] in ("SUCCESS", "FAILURE", "REVOKED"):
                self.final_status = data


def test_subscribing_mid_run_gets_backlog_and_live_records_without_gaps_then_status(
    stack: Stack,
) -> None:
    task_id = stack.enqueue(SLOW_COUNT)
    wait_for(lambda: len(stack.permlog(task_id)["records"]) > 30, 10, "some output")
    received = Subscription()
    with stack.socket_client() as client:
        client.on("log", received.on_log)
        client.on("status", received.on_status)
        ack = client.call("subscribe", {"task_id": task_id, "after_seq": 10}, timeout=10)
        assert ack == {"ok": True}
        wait_for(lambda: received.final_status, 30, "the final status event")
    final = stack.permlog(task_id)
    assert seqs_of(received.records) == list(range(11, final["last_seq"] + 1))
    ended = {"task_id": task_id, "state": "SUCCESS", "exit_code": 0}
    ended["time"] = stack.task(task_id)["finished_at"]  # when it ended, as stored
    assert received.final_status == ended
    assert received.events[-1] == "status:SUCCESS"  # nothing arrives after the task's end


def test_subscribing_to_a_finished_task_replays_it_whole(stack: Stack) -> None:
    task_id = stack.enqueue("seq 1 500")
    final = stack.wait_finished(task_id)
    received = Subscription()
    with stack.socket_client() as client:
        client.on("log", received.on_log)
        client.on("status", received.on_status)
        assert client.call("subscribe", {"task_id": task_id}, timeout=10) == {"ok": True}
        wait_for(lambda: received.final_status, 10, "the replay")
    assert received.records == final["records"]


def test_subscribe_refuses_a_bad_or_unknown_task_in_its_ack(stack: Stack) -> None:
    with stack.socket_client() as client:
        bad = client.call("subscribe", {"task_id": "nope"}, timeout=10)
        unknown = client.call(
            "subscribe", {"task_id": "5f2b8a1e-3c4d-4e5f-8a9b-0c1d2e3f4a5b"}, timeout=10
        )
        negative = client.call(
            "subscribe",
            {"task_id": "5f2b8a1e-3c4d-4e5f-8a9b-0c1d2e3f4a5b", "after_seq": -1},
            timeout=10,
        )
    assert bad["ok"] is False and "task_id" in bad["error"]
    assert unknown == {"ok": False, "error": "unknown task"}
    assert negative["ok"] is False and "after_seq" in negative["error"]


def test_a_task_list_watcher_hears_a_new_task_and_each_state_change(stack: Stack) -> None:
    states: list[str] = []
    lock = threading.Lock()
    with stack.socket_client() as client:
        task_ids: list[str] = []

        def on_task(data: dict[str, Any]) -> None:
            with lock:
                if data["task_id"] in task_ids:
                    states.append(data["state"])

        client.on("task", on_task)
        assert client.call("watch_tasks", timeout=10) == {"ok": True}
        with lock:
            task_ids.append(stack.enqueue("sleep 0.3; exit 2"))
        wait_for(lambda: "FAILURE" in states, 30, "the final task event")
    assert states == ["PENDING", "STARTED", "FAILURE"]


def test_a_chain_s_subscriber_hears_its_steps_change_and_no_other_task(stack: Stack) -> None:
    heard: list[dict[str, Any]] = []
    lock = threading.Lock()

    def on_task(data: dict[str, Any]) -> None:
        with lock:
            heard.append(data)

    with stack.socket_client() as client:
        client.on("task", on_task)
        reply = stack.enqueue_json({"chain": ["sleep 0.5", "exit 3"]})
        chain, steps = reply["task_id"], reply["steps"]
        ack = client.call("subscribe", {"task_id": chain, "after_seq": 0}, timeout=10)
        assert ack == {"ok": True}
        other = stack.enqueue("echo elsewhere")
        wait_for(lambda: any(d["state"] == "FAILURE" for d in heard), 30, "the chain's end")
        stack.wait_finished(other)
    with lock:
        ids = {d["task_id"] for d in heard}
    # The chain's page follows its steps through the chain's own room, not the global task list.
    assert ids == {chain}
    assert heard[-1]["state"] == "FAILURE"
    assert steps[1] not in ids and other not in ids
