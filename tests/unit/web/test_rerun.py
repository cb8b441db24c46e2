"""POST /tasks/<id>/rerun against the app with a real Redis (no worker: ends are sent to /sync)."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient

from joblook import record
from joblook.record import State
from tests.unit.web.conftest import AppFactory

JOBS = """
jobs:
  train:
    argv: [echo, train, "{epochs}", "{model}"]
    params:
      epochs: {type: int, min: 1, max: 100, default: 10}
      model: {type: choice, choices: [small, large]}
"""


def end(client: FlaskClient, task_id: str, state: State, exit_code: int | None) -> None:
    done = record.encode(record.status(task_id, 1, state, exit_code))
    assert client.post("/sync", data=done, content_type="application/json").status_code == 200


def task(client: FlaskClient, task_id: str) -> dict:
    return client.get(f"/tasks/{task_id}").get_json()


def test_a_rerun_queues_the_same_command_and_timeout_linked_both_ways(client: FlaskClient) -> None:
    old = client.post("/enqueue", json={"cmd": "make build", "timeout": 30}).get_json()["task_id"]
    reply = client.post(f"/tasks/{old}/rerun", headers={"Authorization": "Bearer any"})
    assert reply.status_code == 202  # no body: as it was (no token is set, so any passes)
    new = reply.get_json()["task_id"]
    assert new != old
    again = task(client, new)
    assert (again["cmd"], again["timeout"], again["rerun_of"]) == ("make build", 30.0, old)
    assert again["definition"] == {"cmd": "make build", "timeout": 30.0}
    assert task(client, old)["reruns"] == [new]
    newer = client.post(f"/tasks/{old}/rerun", json={}).get_json()["task_id"]
    assert task(client, old)["reruns"] == [new, newer]


def test_a_body_replaces_the_fields_it_gives_and_null_removes_one(client: FlaskClient) -> None:
    old = client.post("/enqueue", json={"cmd": "make build", "timeout": 30}).get_json()["task_id"]
    edited = client.post(f"/tasks/{old}/rerun", json={"cmd": "make test"}).get_json()["task_id"]
    assert (task(client, edited)["cmd"], task(client, edited)["timeout"]) == ("make test", 30.0)
    untimed = client.post(f"/tasks/{old}/rerun", json={"timeout": None}).get_json()["task_id"]
    assert task(client, untimed)["definition"] == {"cmd": "make build"}


def test_a_named_job_reruns_with_its_parameters_or_new_ones(
    make_app: AppFactory, tmp_path: Path
) -> None:
    jobs = tmp_path / "jobs.yaml"
    jobs.write_text(JOBS)
    with make_app(JOBLOOK_JOBS_FILE=str(jobs)).test_client() as client:
        body = {"job": "train", "params": {"epochs": 5, "model": "small"}}
        old = client.post("/enqueue", json=body).get_json()["task_id"]
        same = client.post(f"/tasks/{old}/rerun", json={}).get_json()["task_id"]
        assert task(client, same)["cmd"] == "echo train 5 small"
        params = {"params": {"model": "large"}}
        edited = client.post(f"/tasks/{old}/rerun", json=params).get_json()["task_id"]
        assert task(client, edited)["cmd"] == "echo train 10 large"  # epochs back to its default
        wrong = client.post(f"/tasks/{old}/rerun", json={"params": {"model": "huge"}})
        assert (wrong.status_code, wrong.get_json()["error"]) == (
            400,
            "model must be one of small, large",
        )


def test_a_chain_reruns_from_its_failed_step(client: FlaskClient) -> None:
    reply = client.post("/enqueue", json={"chain": ["one", "two", "three"]}).get_json()
    parent, steps = reply["task_id"], reply["steps"]
    end(client, steps[0], State.SUCCESS, 0)
    end(client, steps[1], State.FAILURE, 2)
    end(client, steps[2], State.REVOKED, None)
    again = client.post(f"/tasks/{parent}/rerun", json={"from": "failed"})
    assert again.status_code == 202
    new = again.get_json()
    assert len(new["steps"]) == 2
    assert task(client, new["task_id"])["cmd"] == "two → three"
    assert task(client, new["task_id"])["rerun_of"] == parent
    whole = client.post(f"/tasks/{parent}/rerun", json={}).get_json()
    assert len(whole["steps"]) == 3


def test_a_group_reruns_only_the_steps_that_did_not_succeed(client: FlaskClient) -> None:
    reply = client.post("/enqueue", json={"group": ["a", "b", "c"], "timeout": 9}).get_json()
    parent, steps = reply["task_id"], reply["steps"]
    end(client, steps[0], State.FAILURE, 1)
    end(client, steps[1], State.SUCCESS, 0)
    end(client, steps[2], State.FAILURE, 1)
    new = client.post(f"/tasks/{parent}/rerun", json={"from": "failed"}).get_json()
    assert task(client, new["task_id"])["definition"] == {"group": ["a", "c"], "timeout": 9.0}


def test_from_failed_is_refused_while_running_when_nothing_failed_and_for_a_command(
    client: FlaskClient,
) -> None:
    reply = client.post("/enqueue", json={"chain": ["one", "two"]}).get_json()
    parent, steps = reply["task_id"], reply["steps"]
    running = client.post(f"/tasks/{parent}/rerun", json={"from": "failed"})
    assert running.status_code == 409
    for step in steps:
        end(client, step, State.SUCCESS, 0)
    assert client.post(f"/tasks/{parent}/rerun", json={"from": "failed"}).status_code == 409
    single = client.post("/enqueue", json={"cmd": "true"}).get_json()["task_id"]
    assert client.post(f"/tasks/{single}/rerun", json={"from": "failed"}).status_code == 400


def test_a_bodiless_rerun_needs_json_or_a_bearer_token_so_no_foreign_page_sends_one(
    client: FlaskClient,
) -> None:
    old = client.post("/enqueue", json={"cmd": "true"}).get_json()["task_id"]
    assert client.post(f"/tasks/{old}/rerun").status_code == 415
    assert client.post(f"/tasks/{old}/rerun", content_type="application/json").status_code == 202


def test_a_rerun_of_an_unknown_or_undefined_task_is_a_4xx(client: FlaskClient) -> None:
    assert client.post(f"/tasks/{record.new_task_id()}/rerun", json={}).status_code == 404
    assert client.post("/tasks/nope/rerun", json={}).status_code == 400
    old = client.post("/enqueue", json={"cmd": "true"}).get_json()["task_id"]
    assert client.post(f"/tasks/{old}/rerun", json={"nope": 1}).status_code == 400
    assert client.post(f"/tasks/{old}/rerun", json={"from": "start"}).status_code == 400
    assert (
        client.post(f"/tasks/{old}/rerun", data="x", content_type="text/plain").status_code == 415
    )


def test_a_rerun_obeys_the_command_policy_as_it_is_now(make_app: AppFactory) -> None:
    with make_app(JOBLOOK_ALLOWED_COMMANDS="echo .*").test_client() as client:
        old = client.post("/enqueue", json={"cmd": "echo hi"}).get_json()["task_id"]
        refused = client.post(f"/tasks/{old}/rerun", json={"cmd": "rm -rf /"})
        assert refused.status_code == 403
