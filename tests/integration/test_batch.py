"""Batches and sweeps on the real stack: every task runs once, as a single enqueue's would."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from joblook import keys
from joblook.settings import Settings
from joblook.store.logstore import LogStore
from joblook.taskqueue import make_celery
from joblook.taskwire import RunMessage, TaskWire
from tests.integration.test_cli import joblook
from tests.support.stack import Stack, output_of, running_stack
from tests.support.waiting import wait_for

JOBS = """
jobs:
  train:
    argv: [printf, "lr=%s seed=%s epochs=%s\\\\n", "{lr}", "{seed}", "{epochs}"]
    params:
      lr: {type: float, min: 0, max: 1}
      seed: {type: int}
      epochs: {type: int, default: 3}
"""


@pytest.fixture(scope="module")
def jobs_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("batch")
    with running_stack(root, {"JOBLOOK_ALLOW_RAW": "1"}, jobs_yaml=JOBS) as stack:
        yield stack


def test_a_batch_of_commands_and_jobs_runs_every_item_once(jobs_stack: Stack) -> None:
    items: list[dict[str, object]] = [{"cmd": f"echo item {i}"} for i in range(20)]
    items.append({"job": "train", "params": {"lr": 0.5, "seed": 7}})
    reply = jobs_stack.enqueue_json({"batch": items})
    ids = reply["task_ids"]
    assert len(ids) == len(set(ids)) == 21
    for i, task_id in enumerate(ids[:20]):
        log = jobs_stack.wait_finished(task_id)
        assert log["state"] == "SUCCESS"
        assert output_of(log["records"], "stdout") == f"item {i}\n"
    log = jobs_stack.wait_finished(ids[20])
    assert output_of(log["records"], "stdout") == "lr=0.5 seed=7 epochs=3\n"


def test_one_refused_item_refuses_the_batch_and_queues_none_of_it(jobs_stack: Stack) -> None:
    store = LogStore.from_url(jobs_stack.env["REDIS_URL"])
    before = store.redis.zcard(keys.TASKS)
    items = [{"cmd": "true"}, {"job": "train", "params": {"lr": 0.1, "seed": 1}}] * 3
    items[3] = {"job": "train", "params": {"lr": 5, "seed": 1}}
    reply = jobs_stack.http.post(jobs_stack.url("/enqueue"), json={"batch": items}, timeout=10)
    assert reply.status_code == 400
    assert reply.json()["detail"]["index"] == 3 and "lr" in reply.json()["error"]
    assert store.redis.zcard(keys.TASKS) == before
    store.redis.close()


def test_a_sweep_runs_one_task_per_combination_under_one_parent(jobs_stack: Stack) -> None:
    body = {
        "job": "train",
        "params": {"epochs": 2},
        "sweep": {"lr": [0.1, 0.01], "seed": [1, 2, 3]},
    }
    reply = jobs_stack.enqueue_json(body)
    parent, runs = reply["task_id"], reply["steps"]
    assert len(runs) == 6
    outputs = []
    for run in runs:
        log = jobs_stack.wait_finished(run)
        outputs.append(output_of(log["records"], "stdout"))
        assert jobs_stack.task(run)["parent"] == parent
    assert outputs == [f"lr={lr} seed={s} epochs=2\n" for lr in (0.1, 0.01) for s in (1, 2, 3)]
    assert jobs_stack.task(runs[4])["params"] == {"epochs": 2, "lr": 0.01, "seed": 2}
    view = jobs_stack.task(parent)
    assert view["kind"] == "sweep" and view["state"] == "SUCCESS" and view["steps"] == runs


def test_a_message_queued_twice_runs_its_command_once(jobs_stack: Stack, tmp_path: Path) -> None:
    # What a retried pipeline does when the connection drops after EXEC: the same message twice.
    marker = tmp_path / "runs"
    store = LogStore.from_url(jobs_stack.env["REDIS_URL"])
    celery = make_celery(Settings.from_env(jobs_stack.env))
    task_id = "0b0e5a7c-2f1d-4e3b-9a8c-7d6e5f4a3b2c"
    store.create_task(task_id, "count")
    wire = TaskWire(celery)
    message = RunMessage(task_id, f"echo run >> {marker}")
    client = redis.Redis.from_url(jobs_stack.env["REDIS_URL"])
    client.lpush(wire.queue, wire.envelope(message), wire.envelope(message))
    assert jobs_stack.wait_finished(task_id)["state"] == "SUCCESS"
    wait_for(lambda: client.llen(wire.queue) == 0, 30, "both deliveries to be taken")
    wait_for(lambda: "not running it twice" in jobs_stack.logs(), 30, "the second to be skipped")
    assert marker.read_text() == "run\n"
    celery.close()
    client.close()
    store.redis.close()


def test_submit_batch_queues_a_task_per_line_and_prints_their_ids(
    jobs_stack: Stack, tmp_path: Path
) -> None:
    batch = tmp_path / "runs.txt"
    batch.write_text('# runs\necho one\n\n{"job": "train", "params": {"lr": 0.2, "seed": 4}}\n')
    done = joblook(jobs_stack.base_url, "submit", "--batch", str(batch))
    assert done.returncode == 0, done.stderr
    first, second = done.stdout.split()
    assert output_of(jobs_stack.wait_finished(first)["records"], "stdout") == "one\n"
    log = jobs_stack.wait_finished(second)
    assert output_of(log["records"], "stdout") == "lr=0.2 seed=4 epochs=3\n"


def test_run_sweep_prints_the_parent_and_the_sweep_page(jobs_stack: Stack) -> None:
    args = ["run", "train", "-p", "epochs=4", "--sweep", "lr=0.1,0.3", "--sweep", "seed=1,2"]
    done = joblook(jobs_stack.base_url, *args)
    assert done.returncode == 0, done.stderr
    parent = done.stdout.strip()
    assert f"4 runs: {jobs_stack.base_url}/sweep?task_id={parent}" in done.stderr
    runs = jobs_stack.task(parent)["steps"]
    assert jobs_stack.task(runs[3])["params"] == {"epochs": 4, "lr": 0.3, "seed": 2}


def test_a_refused_batch_file_exits_1_naming_the_item(jobs_stack: Stack, tmp_path: Path) -> None:
    batch = tmp_path / "bad.txt"
    batch.write_text('true\n{"job": "train", "params": {"lr": 3, "seed": 1}}\n')
    done = joblook(jobs_stack.base_url, "submit", "--batch", str(batch))
    assert done.returncode == 1
    assert "item 1: lr must be <= 1" in done.stderr and done.stdout == ""
