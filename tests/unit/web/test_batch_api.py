"""POST /enqueue's batches and sweeps, and GET /tasks/{id}/runs, on a real Redis (no worker)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from flask.testing import FlaskClient

from joblook import keys
from joblook.store.logstore import LogStore
from joblook.web.models import MAX_BATCH
from tests.unit.web.conftest import AppFactory

JOBS = """
jobs:
  train:
    argv: [python, train.py, "--lr={lr}", "--seed={seed}", "--epochs={epochs}"]
    params:
      lr: {type: float, min: 0, max: 1}
      seed: {type: int}
      epochs: {type: int, default: 3}
"""


@pytest.fixture
def jobs_client(make_app: AppFactory, tmp_path: Path) -> Iterator[FlaskClient]:
    """The app with a jobs file, raw commands allowed too."""
    jobs_file = tmp_path / "jobs.yaml"
    jobs_file.write_text(JOBS)
    app = make_app(JOBLOOK_JOBS_FILE=str(jobs_file), JOBLOOK_ALLOW_RAW="1")
    with app.test_client() as client:
        yield client


def _queued(store: LogStore) -> list[dict[str, object]]:
    """The queued messages' headers, in the order a worker takes them."""
    return [orjson.loads(raw)["headers"] for raw in reversed(store.redis.lrange("celery", 0, -1))]


def test_a_batch_replies_with_an_id_per_item_in_order_and_queues_each(
    jobs_client: FlaskClient, store: LogStore
) -> None:
    items = [{"cmd": "echo 1"}, {"job": "train", "params": {"lr": 0.1, "seed": 1}}]
    reply = jobs_client.post("/enqueue", json={"batch": items, "timeout": 9})
    assert reply.status_code == 202
    ids = reply.get_json()["task_ids"]
    assert [h["id"] for h in _queued(store)] == ids
    first, second = (jobs_client.get(f"/tasks/{i}").get_json() for i in ids)
    assert first["cmd"] == "echo 1" and first["state"] == "PENDING" and first["timeout"] == 9
    assert second["cmd"] == "python train.py --lr=0.1 --seed=1 --epochs=3"
    assert _queued(store)[1]["argsrepr"] == repr((["python", "train.py", "--lr=0.1", "--seed=1",
                                                   "--epochs=3"],))  # fmt: skip


@pytest.mark.parametrize(
    ("item", "words"),
    [
        ({"job": "train", "params": {"lr": 2, "seed": 1}}, "lr must be <= 1"),
        ({"job": "nope"}, "unknown job"),
        ({"cmd": ""}, "cmd must be a non-empty string"),
        ({"cmd": "ls", "job": "train"}, "exactly one of cmd or job"),
        ({"cmd": "ls", "sweep": {"lr": [1]}}, "sweep"),
    ],
)
def test_one_bad_item_refuses_the_batch_naming_its_index_and_queues_nothing(
    jobs_client: FlaskClient, store: LogStore, item: dict[str, object], words: str
) -> None:
    items = [{"cmd": "true"}] * 4
    items[2] = item
    reply = jobs_client.post("/enqueue", json={"batch": items})
    assert reply.status_code == 400, reply.get_json()
    assert words in reply.get_json()["error"] and "item 2" in reply.get_json()["error"]
    assert reply.get_json()["detail"]["index"] == 2
    assert store.redis.zcard(keys.TASKS) == 0 and store.redis.llen("celery") == 0


def test_a_batch_over_the_limit_is_413_and_the_limit_itself_is_queued(
    jobs_client: FlaskClient, store: LogStore
) -> None:
    too_many = jobs_client.post("/enqueue", json={"batch": [{"cmd": "true"}] * (MAX_BATCH + 1)})
    assert too_many.status_code == 413
    assert too_many.get_json()["detail"] == {"items": MAX_BATCH + 1, "max": MAX_BATCH}
    body = {
        "batch": [{"cmd": f"python train.py --seed {i} --data /data/set"} for i in range(MAX_BATCH)]
    }
    reply = jobs_client.post("/enqueue", json=body)
    assert reply.status_code == 202
    assert len(reply.get_json()["task_ids"]) == MAX_BATCH == store.redis.llen("celery")


def test_a_sweep_queues_a_run_per_combination_under_a_parent(
    jobs_client: FlaskClient, store: LogStore
) -> None:
    body = {
        "job": "train",
        "params": {"epochs": 5},
        "sweep": {"lr": [0.1, 0.01], "seed": [1, 2, 3]},
    }
    reply = jobs_client.post("/enqueue", json=body)
    assert reply.status_code == 202
    parent, steps = reply.get_json()["task_id"], reply.get_json()["steps"]
    assert [h["id"] for h in _queued(store)] == steps
    runs = jobs_client.get(f"/tasks/{parent}/runs").get_json()
    assert runs["kind"] == "sweep" and runs["job"] == "train" and runs["sweep"] == body["sweep"]
    assert [r["params"] for r in runs["runs"]] == [
        {"epochs": 5, "lr": lr, "seed": seed} for lr in (0.1, 0.01) for seed in (1, 2, 3)
    ]
    assert runs["runs"][4]["cmd"] == "python train.py --lr=0.01 --seed=2 --epochs=5"
    assert {r["state"] for r in runs["runs"]} == {"PENDING"} and runs["state"] == "PENDING"
    assert jobs_client.get(f"/tasks/{parent}").get_json()["kind"] == "sweep"


@pytest.mark.parametrize(
    ("sweep", "status", "words"),
    [
        ({"lr": [0.1, 7]}, 400, "item 1: lr must be <= 1"),
        ({"lr": []}, 400, "lr must be a non-empty list"),
        ({"epochs": [1, 2]}, 400, "epochs: in both params and sweep"),
        ({"lr": [0.1] * 101, "seed": list(range(100))}, 413, "at most 10,000"),
    ],
)
def test_a_sweep_is_refused_whole_when_any_run_would_be(
    jobs_client: FlaskClient, store: LogStore, sweep: dict[str, list[int]], status: int, words: str
) -> None:
    params = {"seed": 1, "epochs": 1} if "seed" not in sweep else {"epochs": 1}
    reply = jobs_client.post("/enqueue", json={"job": "train", "params": params, "sweep": sweep})
    assert reply.status_code == status, reply.get_json()
    assert words in reply.get_json()["error"]
    assert store.redis.zcard(keys.TASKS) == 0 and store.redis.llen("celery") == 0


def test_runs_show_each_run_s_latest_metric_values(
    jobs_client: FlaskClient, store: LogStore
) -> None:
    body = {"job": "train", "params": {"epochs": 1}, "sweep": {"lr": [0.1], "seed": [1, 2]}}
    reply = jobs_client.post("/enqueue", json=body).get_json()
    parent, steps = reply["task_id"], reply["steps"]
    for step, (loss, acc) in zip(steps, [(0.5, 0.9), (0.25, 0.95)], strict=True):
        store.redis.hset(keys.series(step), mapping={"loss": 1, "acc": 2})
        store.redis.hset(keys.series_state(step), mapping={"1:last": f"[3,{loss}]",
                                                           "2:last": f"[3,{acc}]"})  # fmt: skip
    runs = jobs_client.get(f"/tasks/{parent}/runs").get_json()["runs"]
    assert [r["metrics"] for r in runs] == [{"loss": 0.5, "acc": 0.9}, {"loss": 0.25, "acc": 0.95}]


def test_runs_of_a_task_that_is_no_parent_is_404(jobs_client: FlaskClient) -> None:
    task_id = jobs_client.post("/enqueue", json={"cmd": "true"}).get_json()["task_id"]
    assert jobs_client.get(f"/tasks/{task_id}/runs").status_code == 404


def test_enqueue_is_503_and_queues_nothing_while_redis_is_down(make_app: AppFactory) -> None:
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0")
    with app.test_client() as client:
        reply = client.post("/enqueue", json={"batch": [{"cmd": "true"}] * 3})
    assert reply.status_code == 503 and reply.get_json()["error"]


def _kwargs(store: LogStore, queue: str) -> list[dict[str, object]]:
    """The run task's kwargs of each message on ``queue``, in the order a worker takes them."""
    raws = reversed(store.redis.lrange(queue, 0, -1))
    return [orjson.loads(base64.b64decode(orjson.loads(raw)["body"]))[1] for raw in raws]


def test_a_batch_item_goes_to_its_own_queue_with_its_gpus(
    jobs_client: FlaskClient, store: LogStore
) -> None:
    items = [{"cmd": "echo cpu"}, {"cmd": "echo gpu", "queue": "gpu", "gpus": 1, "timeout": 5}]
    reply = jobs_client.post("/enqueue", json={"batch": items})
    cpu, gpu = reply.get_json()["task_ids"]
    assert _kwargs(store, "gpu") == [{"queue": "gpu", "gpus": 1, "timeout": 5}]
    assert _kwargs(store, "celery") == [{"queue": "celery"}]
    shown = jobs_client.get(f"/tasks/{gpu}").get_json()
    assert (shown["queue"], shown["gpus"]) == ("gpu", 1)
    assert shown["definition"] == {"cmd": "echo gpu", "queue": "gpu", "gpus": 1, "timeout": 5}
    assert jobs_client.get(f"/tasks/{cpu}").get_json()["queue"] == "celery"


def test_a_batch_item_with_retries_is_watched_and_keeps_its_retry_policy(
    jobs_client: FlaskClient, store: LogStore
) -> None:
    items = [{"cmd": "false", "retries": 2, "retry_delay": 1}, {"cmd": "true"}]
    retried, plain = jobs_client.post("/enqueue", json={"batch": items}).get_json()["task_ids"]
    assert store.redis.smembers(keys.RETRY_WATCH) == {retried.encode()}
    shown = jobs_client.get(f"/tasks/{retried}").get_json()
    assert (shown["retries"], shown["retry_delay"], shown["attempt"]) == (2, 1.0, 1)
    assert (shown["run"], shown["placement"]) == ("false", {"queue": "celery"})
    assert "retries" not in jobs_client.get(f"/tasks/{plain}").get_json()


def test_a_single_command_queued_on_the_fast_path_can_be_rerun(
    jobs_client: FlaskClient, store: LogStore
) -> None:
    task_id = jobs_client.post("/enqueue", json={"cmd": "echo hi", "timeout": 7}).get_json()[
        "task_id"
    ]
    assert jobs_client.get(f"/tasks/{task_id}").get_json()["definition"] == {
        "cmd": "echo hi",
        "timeout": 7,
    }
    again = jobs_client.post(f"/tasks/{task_id}/rerun", json={})
    assert again.status_code == 202
    new_id = again.get_json()["task_id"]
    new = jobs_client.get(f"/tasks/{new_id}").get_json()
    assert (new["cmd"], new["rerun_of"]) == ("echo hi", task_id)
    assert jobs_client.get(f"/tasks/{task_id}").get_json()["reruns"] == [new_id]
    assert [h["id"] for h in _queued(store)] == [task_id, new_id]


def test_each_sweep_run_is_defined_as_its_own_job_request(
    jobs_client: FlaskClient, store: LogStore
) -> None:
    body = {"job": "train", "params": {"epochs": 2}, "sweep": {"lr": [0.1], "seed": [1, 2]}}
    reply = jobs_client.post("/enqueue", json=body).get_json()
    first = jobs_client.get(f"/tasks/{reply['steps'][0]}").get_json()
    assert first["definition"] == {"job": "train", "params": {"epochs": 2, "lr": 0.1, "seed": 1}}
    assert jobs_client.get(f"/tasks/{reply['task_id']}").get_json()["definition"] == body
