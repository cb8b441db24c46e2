"""A task's queue, GPUs and limits from the request, its job and the settings (web/placement.py)."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from joblook.jobs import Job
from joblook.store.roster import WorkerAd
from joblook.web.errors import ApiError
from joblook.web.placement import place, why_waiting

TRAIN = Job("train", "", ("python", "train.py"), {}, queue="gpu", gpus=1, max_concurrent=2)
GPU_WORKERS = [WorkerAd("a@h", ["gpu"], ["0", "1"]), WorkerAd("b@h", ["celery"], [])]


def test_a_job_brings_its_queue_gpus_and_limit_and_the_queue_its_own_limit() -> None:
    placement = place(None, None, TRAIN, {"gpu": 4}, GPU_WORKERS)
    assert (placement.queue, placement.gpus) == ("gpu", 1)
    assert placement.limits == [("job:train", 2), ("queue:gpu", 4)]
    assert placement.task_kwargs() == {
        "queue": "gpu",
        "gpus": 1,
        "limits": [["job:train", 2], ["queue:gpu", 4]],
    }


def test_a_request_cannot_move_a_job_to_another_queue() -> None:
    with pytest.raises(ApiError) as refused:
        place("celery", None, TRAIN, {}, GPU_WORKERS)
    assert refused.value.status == 400


def test_more_gpus_than_any_worker_of_the_queue_has_is_refused_once_workers_are_known() -> None:
    with pytest.raises(ApiError, match="no worker of queue gpu has 3 GPUs"):
        place("gpu", 3, None, {}, GPU_WORKERS)
    assert place("gpu", 3, None, {}, None).gpus == 3  # roster unknown: it waits instead
    assert place("other", 3, None, {}, GPU_WORKERS).gpus == 3  # no worker yet: it waits


def test_a_queue_no_worker_serves_is_named_as_the_reason_to_wait() -> None:
    assert why_waiting("nobody", 0, GPU_WORKERS, []) == "no worker serves queue nobody"
    assert why_waiting("gpu", 0, GPU_WORKERS, []) is None
    assert why_waiting("gpu", 0, None, ["waiting for x"]) == "waiting for x"


@pytest.mark.parametrize(
    "body",
    [
        {"cmd": "true", "queue": "a.b"},
        {"cmd": "true", "queue": ""},
        {"cmd": "true", "queue": "x" * 65},
        {"cmd": "true", "gpus": -1},
        {"cmd": "true", "gpus": 1.5},
        {"chain": ["true"], "gpus": "2"},
    ],
)
def test_bad_queues_and_gpu_counts_are_400s(client: FlaskClient, body: dict[str, object]) -> None:
    reply = client.post("/enqueue", json=body)
    assert reply.status_code == 400, reply.get_json()
    assert reply.get_json()["error"]
