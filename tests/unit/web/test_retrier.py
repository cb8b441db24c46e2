"""Retries against the app and a real Redis, the retrier swept by hand on a clock the test sets
(no worker: attempts' ends are sent to /sync as a shipper would)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from joblook import record
from joblook.record import State
from joblook.store.attempts import Attempts
from joblook.web.retrier import DELAY_CAP, LEASE_SECONDS, Retrier, backoff
from tests.unit.web.conftest import AppFactory

QUEUE = "celery"  # the broker list Celery's default queue lives in


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def app(make_app: AppFactory) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> Iterator[FlaskClient]:
    with app.test_client() as test_client:
        yield test_client


@pytest.fixture
def clock() -> Clock:
    return Clock()


def retrier(app: Flask, clock: Clock) -> Retrier:
    store = app.extensions["joblook.store"]
    return Retrier(store, app.extensions["celery"], lambda _ids: None, clock=clock)


def end(client: FlaskClient, task_id: str, state: State, exit_code: int | None) -> None:
    done = record.encode(record.status(task_id, 1, state, exit_code, "ended"))
    assert client.post("/sync", data=done, content_type="application/json").status_code == 200


def task(client: FlaskClient, task_id: str) -> dict:
    return client.get(f"/tasks/{task_id}").get_json()


def enqueue(client: FlaskClient, retries: int, delay: float = 8.0) -> str:
    body = {"cmd": "false", "retries": retries, "retry_delay": delay, "timeout": 60}
    reply = client.post("/enqueue", json=body)
    assert reply.status_code == 202, reply.get_json()
    return reply.get_json()["task_id"]


def test_a_failed_attempt_makes_the_next_due_after_the_delay(
    app: Flask, client: FlaskClient, clock: Clock
) -> None:
    first = enqueue(client, retries=3)
    view = task(client, first)
    assert (view["attempt"], view["attempts"], view["retries"]) == (1, [first], 3)
    sweeper = retrier(app, clock)
    end(client, first, State.FAILURE, 1)
    sweeper.sweep()
    view = task(client, first)
    second = view["attempts"][1]
    assert view["state"] == "PENDING"  # the task goes on: its latest attempt waits
    assert view["next_attempt_at"] is not None
    attempt = task(client, second)
    assert (attempt["attempt"], attempt["first_attempt"], attempt["cmd"]) == (2, first, "false")
    assert (attempt["timeout"], attempt["due_at"]) == (60.0, view["next_attempt_at"])
    assert attempt["message"].startswith("attempt 2 of 4")
    queued = app.extensions["joblook.store"].redis.llen(QUEUE)
    sweeper.sweep()
    assert app.extensions["joblook.store"].redis.llen(QUEUE) == queued  # not due yet
    clock.now += 8.0  # the first delay, at most
    sweeper.sweep()
    assert app.extensions["joblook.store"].redis.llen(QUEUE) == queued + 1
    assert task(client, first)["next_attempt_at"] is None
    assert task(client, second)["due_at"] is None


def test_the_final_state_is_the_last_attempts_and_no_more_are_made(
    app: Flask, client: FlaskClient, clock: Clock
) -> None:
    first = enqueue(client, retries=1)
    sweeper = retrier(app, clock)
    end(client, first, State.FAILURE, 1)
    sweeper.sweep()
    second = task(client, first)["attempts"][1]
    end(client, second, State.FAILURE, 3)
    clock.now += 3600
    sweeper.sweep()
    view = task(client, first)
    assert view["attempts"] == [first, second]
    assert (view["state"], view["exit_code"]) == ("FAILURE", 3)
    assert Attempts(app.extensions["joblook.store"].redis).watched() == []


def test_a_success_ends_the_retries(app: Flask, client: FlaskClient, clock: Clock) -> None:
    first = enqueue(client, retries=3)
    sweeper = retrier(app, clock)
    end(client, first, State.FAILURE, 1)
    sweeper.sweep()
    second = task(client, first)["attempts"][1]
    end(client, second, State.SUCCESS, 0)
    sweeper.sweep()
    view = task(client, first)
    assert (view["state"], view["exit_code"], view["attempts"]) == ("SUCCESS", 0, [first, second])


def test_cancel_during_the_delay_ends_the_waiting_attempt_and_the_retries(
    app: Flask, client: FlaskClient, clock: Clock
) -> None:
    first = enqueue(client, retries=3)
    sweeper = retrier(app, clock)
    end(client, first, State.FAILURE, 1)
    sweeper.sweep()
    second = task(client, first)["attempts"][1]
    reply = client.delete(f"/tasks/{first}")
    assert (reply.status_code, reply.get_json()["cancel_requested"]) == (202, [second])
    assert task(client, second)["state"] == "REVOKED"
    assert task(client, first)["state"] == "REVOKED"
    queued = app.extensions["joblook.store"].redis.llen(QUEUE)
    clock.now += 3600
    sweeper.sweep()
    assert app.extensions["joblook.store"].redis.llen(QUEUE) == queued
    assert task(client, first)["attempts"] == [first, second]


def test_a_cancelled_attempt_is_not_retried(app: Flask, client: FlaskClient, clock: Clock) -> None:
    first = enqueue(client, retries=3)
    assert client.delete(f"/tasks/{first}").status_code == 202
    end(client, first, State.FAILURE, 137)  # killed by the cancel, as a command may end
    retrier(app, clock).sweep()
    assert task(client, first)["attempts"] == [first]


def test_two_web_processes_make_one_next_attempt(
    app: Flask, client: FlaskClient, clock: Clock
) -> None:
    first = enqueue(client, retries=2)
    end(client, first, State.FAILURE, 1)
    one, two = retrier(app, clock), retrier(app, clock)
    one.sweep()
    two.sweep()
    assert len(task(client, first)["attempts"]) == 2


def test_an_attempt_whose_sender_died_is_sent_after_its_lease(
    app: Flask, client: FlaskClient, clock: Clock
) -> None:
    first = enqueue(client, retries=1)
    end(client, first, State.FAILURE, 1)
    retrier(app, clock).sweep()
    redis = app.extensions["joblook.store"].redis
    clock.now += 3600
    assert len(Attempts(redis).lease_due(clock.now, clock.now + LEASE_SECONDS, 10)) == 1
    queued = redis.llen(QUEUE)  # that sender dies here, before sending
    retrier(app, clock).sweep()
    assert redis.llen(QUEUE) == queued
    clock.now += LEASE_SECONDS
    retrier(app, clock).sweep()
    assert redis.llen(QUEUE) == queued + 1


def test_retries_go_with_a_command_or_job_and_are_bounded(client: FlaskClient) -> None:
    chain = client.post("/enqueue", json={"chain": ["a", "b"], "retries": 2})
    assert chain.status_code == 400
    assert "retries go with cmd or job" in chain.get_json()["error"]
    for bad in ({"retries": -1}, {"retries": 33}, {"retries": 1.5}, {"retry_delay": 0}):
        assert client.post("/enqueue", json={"cmd": "true", **bad}).status_code == 400


def test_the_delay_doubles_with_jitter_up_to_the_cap() -> None:
    waits = backoff(5.0)
    for _ in range(50):
        assert 2.5 <= waits.wait(1) <= 5.0
        assert 10.0 <= waits.wait(3) <= 20.0
        assert DELAY_CAP / 2 <= waits.wait(30) <= DELAY_CAP
    assert backoff(1000.0).wait(2) <= 1000.0  # a first delay over the cap is its own cap


def test_a_named_jobs_own_retries_apply_unless_the_request_says(
    make_app: AppFactory, tmp_path: Path
) -> None:
    jobs = tmp_path / "jobs.yaml"
    jobs.write_text(
        "jobs:\n  flaky:\n    argv: [sh, -c, exit 1]\n    retries: 2\n    retry_delay: 30\n"
    )
    with make_app(JOBLOOK_JOBS_FILE=str(jobs)).test_client() as client:
        defined = client.post("/enqueue", json={"job": "flaky"}).get_json()["task_id"]
        assert (task(client, defined)["retries"], task(client, defined)["retry_delay"]) == (2, 30.0)
        assert task(client, defined)["run"] == ["sh", "-c", "exit 1"]
        body = {"job": "flaky", "retries": 0}
        once = client.post("/enqueue", json=body).get_json()["task_id"]
        assert "retries" not in task(client, once)
