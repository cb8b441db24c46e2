"""The run task takes its slots and GPUs before the command, eagerly against a real Redis."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import redis
from celery import Task

from joblook import keys
from joblook.record import from_json
from joblook.settings import Settings
from joblook.store.slots import Ask, Slots, queue_scope
from joblook.taskqueue import RUN_TASK
from joblook.worker.app import worker_celery

LIMITED = {"queue": "lim", "limits": [[queue_scope("lim"), 1]]}


@pytest.fixture
def client(redis_url: str) -> redis.Redis:
    """The test Redis, emptied."""
    connection = redis.Redis.from_url(redis_url)
    connection.flushdb()
    return connection


def _run(tmp_path: Path, redis_url: str, gpus: list[str] | None = None) -> Task:
    env = {"JOBLOOK_DATA_DIR": str(tmp_path), "REDIS_URL": redis_url}
    return worker_celery(Settings.from_env(env), gpus).tasks[RUN_TASK]


def _stdout(tmp_path: Path, task_id: str) -> str:
    lines = (tmp_path / "logs" / f"{task_id}.jsonl").read_bytes().splitlines()
    return "".join(r.log for r in map(from_json, lines) if r.stream == "stdout")


def test_a_task_over_its_limit_parks_and_gives_its_claim_back_for_the_wake(
    tmp_path: Path, redis_url: str, client: redis.Redis
) -> None:
    run, holder, task_id = _run(tmp_path, redis_url), str(uuid.uuid4()), str(uuid.uuid4())
    slots = Slots(client)
    hold = Ask(holder, "lim", [(queue_scope("lim"), 1)])
    slots.acquire(hold, {}, ("w", []), 60)
    assert run.apply(args=["echo ran"], kwargs=LIMITED, task_id=task_id).state == "IGNORED"
    assert not (tmp_path / "logs" / f"{task_id}.jsonl").exists()
    assert client.hexists(keys.PARKED, task_id)
    assert not client.exists(keys.claim(task_id))
    slots.release(hold, "w", [])
    assert run.apply(args=["echo ran"], kwargs=LIMITED, task_id=task_id).state == "SUCCESS"
    assert _stdout(tmp_path, task_id) == "ran\n"
    assert client.zcard(keys.slot_holders(queue_scope("lim"))) == 0  # given back


def test_a_second_delivery_of_a_running_task_leaves_its_slot_alone(
    tmp_path: Path, redis_url: str, client: redis.Redis
) -> None:
    run, task_id = _run(tmp_path, redis_url), str(uuid.uuid4())
    Slots(client).acquire(Ask(task_id, "lim", [(queue_scope("lim"), 1)]), {}, ("w", []), 60)
    client.set(keys.claim(task_id), "first-worker:1")  # the first delivery runs it
    assert run.apply(args=["true"], kwargs=LIMITED, task_id=task_id).state == "IGNORED"
    assert client.zscore(keys.slot_holders(queue_scope("lim")), task_id) is not None


def test_a_gpu_task_sees_only_its_gpus_and_gives_them_back(
    tmp_path: Path, redis_url: str, client: redis.Redis
) -> None:
    run, task_id = _run(tmp_path, redis_url, ["g0", "g1", "g2"]), str(uuid.uuid4())
    result = run.apply(args=["echo $CUDA_VISIBLE_DEVICES"], kwargs={"gpus": 2}, task_id=task_id)
    assert result.get() == {"exit_code": 0, "gpu_ids": ["g0", "g1"]}  # Flower shows the result
    assert _stdout(tmp_path, task_id) == "g0,g1\n"
    assert Slots(client).gpus_of(task_id) == ["g0", "g1"]
    assert not any(client.hvals(key) for key in client.keys(keys.gpu_pool("*")))


def test_a_task_asking_no_gpu_on_a_gpu_worker_sees_none(
    tmp_path: Path, redis_url: str, client: redis.Redis
) -> None:
    run, task_id = _run(tmp_path, redis_url, ["g0"]), str(uuid.uuid4())
    run.apply(args=['echo "[$CUDA_VISIBLE_DEVICES]"'], task_id=task_id).get()
    assert _stdout(tmp_path, task_id) == "[]\n"
