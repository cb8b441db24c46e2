"""Named queues, concurrency limits and GPUs with real workers (fake GPU ids: no GPU needed).

One stack: the default worker serves the default queue; more workers serve ``gpu`` (GPUs
fake0 and fake1), ``lim`` (at most one task at a time, JOBLOOK_QUEUE_LIMITS) and the queues the
fault tests start and kill workers for.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from joblook import keys
from tests.support.processes import Service
from tests.support.stack import Stack, output_of, running_stack
from tests.support.waiting import wait_for

# A short lease, so a lost worker's slot frees within seconds.
ENV = {
    "JOBLOOK_QUEUE_LIMITS": "lim=1,lost=1,orphan=1",
    "JOBLOOK_WORKER_LOST_SECONDS": "3",
    "JOBLOOK_ALLOW_RAW": "1",
}
JOBS = """\
jobs:
  solo:
    argv: [sh, -c, "sleep 1"]
    max_concurrent: 1
"""


def _wait_serving(stack: Stack, queue: str, present: bool = True) -> None:
    """Until the roster the web reads has (or no longer has) a worker for ``queue``."""
    client = redis.Redis.from_url(stack.env["REDIS_URL"])

    def serving() -> bool:
        names = client.zrangebyscore(keys.WORKERS, time.time(), "+inf")
        bodies = [client.get(keys.worker(n.decode())) for n in names]
        return any(b and f'"{queue}"'.encode() in b for b in bodies) == present

    wait_for(serving, 60, f"a worker serving {queue} to {'start' if present else 'go'}")
    time.sleep(2.5)  # the web's roster loop reads it every 2 s
    client.close()


@pytest.fixture(scope="module")
def queues(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The stack with a GPU worker and a worker for the limited queue."""
    with running_stack(tmp_path_factory.mktemp("queues"), ENV, 2, jobs_yaml=JOBS) as stack:
        stack.add_worker(
            "gpuw", 1, ("--concurrency", "3", "--queues", "gpu", "--gpus", "fake0,fake1")
        )
        stack.add_worker("limw", 3, ("--queues", "lim"))
        _wait_serving(stack, "gpu")
        _wait_serving(stack, "lim")
        yield stack


def _finished(stack: Stack, task_id: str, timeout: float = 60) -> dict[str, Any]:
    stack.wait_finished(task_id, timeout)
    return stack.task(task_id)


def test_a_task_runs_on_a_worker_of_its_queue_with_its_gpu_in_cuda_visible_devices(
    queues: Stack,
) -> None:
    task_id = queues.enqueue('echo "gpu=$CUDA_VISIBLE_DEVICES"', queue="gpu", gpus=1)
    task = _finished(queues, task_id)
    assert task["state"] == "SUCCESS", task
    assert (task["queue"], task["gpus"]) == ("gpu", 1)
    shown = output_of(queues.permlog(task_id)["records"], "stdout")
    assert shown.strip() in ("gpu=fake0", "gpu=fake1")
    assert task["gpu_ids"] == [shown.strip().removeprefix("gpu=")]


def test_a_batch_item_on_another_queue_runs_on_a_worker_of_that_queue(queues: Stack) -> None:
    items = [
        {"cmd": 'echo "gpu=$CUDA_VISIBLE_DEVICES"', "queue": "gpu", "gpus": 1},
        {"cmd": 'echo "default=$CUDA_VISIBLE_DEVICES"'},
    ]
    on_gpu, on_default = queues.enqueue_json({"batch": items})["task_ids"]
    gpu_task, default_task = _finished(queues, on_gpu), _finished(queues, on_default)
    assert gpu_task["state"] == default_task["state"] == "SUCCESS"
    assert (gpu_task["queue"], gpu_task["gpus"]) == ("gpu", 1)
    # Only the gpu queue's worker has the (fake) GPUs fake0 and fake1 to hand out.
    gpu_out = output_of(queues.wait_finished(on_gpu)["records"], "stdout")
    assert gpu_out in ("gpu=fake0\n", "gpu=fake1\n")
    assert "fake" not in output_of(queues.wait_finished(on_default)["records"], "stdout")


def test_gpu_tasks_never_share_a_gpu_and_one_too_many_waits_pending(queues: Stack) -> None:
    # The worker has 3 processes but 2 GPUs: the third task must wait for a GPU, not share one.
    ids = [queues.enqueue("sleep 2", queue="gpu", gpus=1) for _ in range(3)]
    time.sleep(1.5)
    states = [queues.task(t) for t in ids]
    waiting = [t for t in states if t["state"] == "PENDING"]
    assert len(waiting) == 1, states
    assert "waiting for 1 free GPU of queue gpu" in waiting[0]["waiting"]
    done = [_finished(queues, t) for t in ids]
    assert all(t["state"] == "SUCCESS" for t in done)
    late = next(t for t in done if t["task_id"] == waiting[0]["task_id"])
    # The two that ran at once held one GPU each (which of the three waited is the queue's call).
    assert sorted(t["gpu_ids"][0] for t in done if t is not late) == ["fake0", "fake1"]
    first_end = min(t["finished_at"] for t in done if t is not late)
    assert late["started_at"] >= first_end


def test_more_gpus_than_any_worker_of_the_queue_has_is_a_400(queues: Stack) -> None:
    reply = queues.http.post(
        queues.url("/enqueue"), json={"cmd": "true", "queue": "gpu", "gpus": 3}
    )
    assert reply.status_code == 400
    assert reply.json()["error"] == "no worker of queue gpu has 3 GPUs"


def test_tasks_over_a_queue_limit_wait_pending_and_run_one_at_a_time_in_order(
    queues: Stack,
) -> None:
    ids = []
    for i in range(4):  # a moment apart: each reaches a worker before the next (docs/queues.md)
        ids.append(queues.enqueue(f"echo {i}; sleep 1", queue="lim"))
        time.sleep(0.3)
    time.sleep(0.1)
    # The last is still waiting its turn (three 1 s runs before it); a started one has no reason.
    later = [queues.task(t) for t in ids[1:]]
    assert any("waiting for a slot of queue:lim" in (t.get("waiting") or "") for t in later), later
    done = [_finished(queues, t) for t in ids]
    assert [t["state"] for t in done] == ["SUCCESS"] * 4
    starts = [t["started_at"] for t in done]
    assert starts == sorted(starts)  # in enqueue order
    for before, after in itertools.pairwise(done):
        assert after["started_at"] >= before["finished_at"]  # never two at once


def test_tasks_enqueued_in_one_instant_run_in_enqueue_order_one_at_a_time(
    queues: Stack,
) -> None:
    # One batch: the three processes of the limited queue's worker take the first three
    # messages together, and whichever asks first must still not run before an older task.
    items = [{"cmd": f"echo {i}; sleep 0.5", "queue": "lim"} for i in range(6)]
    ids = queues.enqueue_json({"batch": items})["task_ids"]
    done = [_finished(queues, t) for t in ids]
    assert [t["state"] for t in done] == ["SUCCESS"] * 6
    for before, after in itertools.pairwise(done):
        assert after["started_at"] >= before["finished_at"]  # in enqueue order, never two at once


def test_the_oldest_waiting_task_cancelled_does_not_hold_back_the_younger_ones(
    queues: Stack,
) -> None:
    holder = queues.enqueue("sleep 2", queue="lim")
    wait_for(lambda: queues.task(holder)["state"] == "STARTED", 30, "the holder to start")
    items = [{"cmd": f"echo {i}", "queue": "lim"} for i in range(3)]
    oldest, *younger = queues.enqueue_json({"batch": items})["task_ids"]
    time.sleep(0.5)
    assert queues.http.delete(queues.url(f"/tasks/{oldest}"), timeout=10).status_code == 202
    assert _finished(queues, oldest, timeout=20)["state"] == "REVOKED"
    done = [_finished(queues, t, timeout=30) for t in younger]
    assert [t["state"] for t in done] == ["SUCCESS"] * 2
    assert done[0]["finished_at"] <= done[1]["started_at"]


def test_the_oldest_task_whose_message_was_lost_with_a_worker_does_not_block_the_line(
    queues: Stack,
) -> None:
    items = [{"cmd": f"echo {i}", "queue": "orphan"} for i in range(2)]
    lost, younger = queues.enqueue_json({"batch": items})["task_ids"]
    broker = redis.Redis.from_url(queues.env["REDIS_URL"])
    message = next(m for m in broker.lrange("orphan", 0, -1) if lost.encode() in m)
    assert broker.lrem("orphan", 1, message) == 1  # as if a killed worker had taken it
    broker.close()
    queues.add_worker("orphanw", 1, ("--queues", "orphan"))
    # It waits behind the lost task for a lease (3 s here), then goes.
    assert _finished(queues, younger, timeout=60)["state"] == "SUCCESS"
    assert queues.task(lost)["state"] == "PENDING"


def test_a_jobs_max_concurrent_holds_its_runs_to_one_at_a_time(queues: Stack) -> None:
    ids = [queues.enqueue_json({"job": "solo"})["task_id"] for _ in range(3)]
    done = [_finished(queues, t) for t in ids]
    assert [t["state"] for t in done] == ["SUCCESS"] * 3
    for before, after in itertools.pairwise(done):
        assert after["started_at"] >= before["finished_at"]


def test_a_queue_whose_workers_are_all_gone_holds_its_tasks_pending_until_one_returns(
    queues: Stack,
) -> None:
    worker = queues.add_worker("gonew", 1, ("--queues", "gone"))
    _wait_serving(queues, "gone")
    worker.kill()
    _wait_serving(queues, "gone", present=False)
    task_id = queues.enqueue("echo back", queue="gone")
    time.sleep(1)
    task = queues.task(task_id)
    assert (task["state"], task["waiting"]) == ("PENDING", "no worker serves queue gone")
    worker.start()
    assert _finished(queues, task_id)["state"] == "SUCCESS"


def test_a_lost_workers_slot_frees_itself_and_the_next_task_runs_elsewhere(
    queues: Stack,
) -> None:
    doomed: Service = queues.add_worker("doomed", 2, ("--queues", "lost"))
    _wait_serving(queues, "lost")
    holder = queues.enqueue("sleep 300", queue="lost")
    wait_for(lambda: queues.task(holder)["state"] == "STARTED", 30, "the holder to start")
    waiter = queues.enqueue("echo next", queue="lost")
    time.sleep(1)
    assert "waiting for a slot of queue:lost" in queues.task(waiter)["waiting"]
    doomed.kill()  # the worker, its pool and the holder's lease renewals, all at once
    queues.add_worker("heir", 1, ("--queues", "lost"))
    assert _finished(queues, waiter, timeout=90)["state"] == "SUCCESS"


def test_cancelling_a_waiting_task_ends_it_revoked_without_waiting_its_turn(
    queues: Stack,
) -> None:
    holder = queues.enqueue("sleep 30", queue="lim")
    wait_for(lambda: queues.task(holder)["state"] == "STARTED", 30, "the holder to start")
    waiter = queues.enqueue("echo never", queue="lim")
    time.sleep(1)
    assert queues.http.delete(queues.url(f"/tasks/{waiter}"), timeout=10).status_code == 202
    assert _finished(queues, waiter, timeout=20)["state"] == "REVOKED"
    assert queues.task(holder)["state"] == "STARTED"
    queues.http.delete(queues.url(f"/tasks/{holder}"), timeout=10)
    _finished(queues, holder)


def test_a_chain_in_a_limited_queue_waits_and_still_runs_its_steps_in_order(
    queues: Stack,
) -> None:
    holder = queues.enqueue("sleep 2", queue="lim")
    wait_for(lambda: queues.task(holder)["state"] == "STARTED", 30, "the holder to start")
    chain = queues.enqueue_json({"chain": ["echo one", "echo two"], "queue": "lim"})
    steps = [_finished(queues, step) for step in chain["steps"]]
    assert [s["state"] for s in steps] == ["SUCCESS", "SUCCESS"]
    assert steps[0]["started_at"] >= queues.task(holder)["finished_at"]
    assert steps[1]["started_at"] >= steps[0]["finished_at"]
