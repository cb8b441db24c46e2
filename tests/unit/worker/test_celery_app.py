"""The Celery apps' configuration and the thin task, run eagerly: no broker involved."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import redis
from celery import Task

from joblook.record import State, StatusRecord, from_json
from joblook.retry import Backoff
from joblook.settings import Settings
from joblook.store.cancellation import request_cancel
from joblook.taskqueue import RUN_TASK, make_celery
from joblook.worker.app import worker_celery
from joblook.worker.tasks import (
    DEFAULT_TIMEOUT_KEY,
    KILL_GRACE_KEY,
    LOGS_DIR_KEY,
    REDIS_URL_KEY,
    CommandFailed,
)
from tests.support.processes import free_port


def test_app_uses_redis_for_broker_and_results_and_json_only(tmp_path: Path) -> None:
    settings = Settings.from_env({"REDIS_URL": "redis://cache:6380/3", "JOBLOOK_DATA_DIR": "/d"})
    for app in (make_celery(settings), worker_celery(settings)):
        conf = app.conf
        assert conf.broker_url == conf.result_backend == "redis://cache:6380/3"
        assert (conf.task_serializer, conf.result_serializer) == ("json", "json")
        assert list(conf.accept_content) == ["json"]
    assert worker_celery(settings).conf[LOGS_DIR_KEY] == "/d/logs"


def test_the_task_gets_the_cancel_redis_and_the_kill_limits_from_settings() -> None:
    env = {
        "REDIS_URL": "redis://cache:6380/3",
        "JOBLOOK_KILL_GRACE": "4",
        "JOBLOOK_DEFAULT_TIMEOUT": "60",
    }
    conf = worker_celery(Settings.from_env(env)).conf
    assert conf[REDIS_URL_KEY] == "redis://cache:6380/3"
    assert (conf[KILL_GRACE_KEY], conf[DEFAULT_TIMEOUT_KEY]) == (4.0, 60.0)


def test_long_non_idempotent_jobs_are_never_hoarded_nor_rerun() -> None:
    conf = make_celery(Settings.from_env({})).conf
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_acks_late is False
    assert conf.broker_transport_options["visibility_timeout"] >= 12 * 3600


def test_the_visibility_timeout_comes_from_settings() -> None:
    settings = Settings.from_env({"JOBLOOK_VISIBILITY_TIMEOUT": "90"})
    assert make_celery(settings).conf.broker_transport_options["visibility_timeout"] == 90.0


def test_flower_gets_the_events_it_needs() -> None:
    conf = make_celery(Settings.from_env({})).conf
    assert conf.task_track_started
    assert conf.worker_send_task_events
    assert conf.task_send_sent_event


def test_run_task_is_registered_under_the_name_the_web_server_sends() -> None:
    settings = Settings.from_env({})
    assert worker_celery(settings).tasks[RUN_TASK].name == RUN_TASK
    assert RUN_TASK not in make_celery(settings).tasks  # the sending side holds no worker code


def worker_env(tmp_path: Path, redis_url: str) -> dict[str, str]:
    """Task logs under ``tmp_path``, claims and cancels in a real Redis, a short kill grace."""
    return {"JOBLOOK_DATA_DIR": str(tmp_path), "REDIS_URL": redis_url, "JOBLOOK_KILL_GRACE": "1"}


@pytest.fixture
def run(tmp_path: Path, redis_url: str) -> Task:
    """The run task of a worker app built for the test (see ``worker_env``)."""
    return worker_celery(Settings.from_env(worker_env(tmp_path, redis_url))).tasks[RUN_TASK]


@pytest.fixture
def logs_dir(tmp_path: Path) -> Path:
    """Where the ``run`` fixture's task writes its log files."""
    return tmp_path / "logs"


def last_status(logs_dir: Path, task_id: str) -> StatusRecord:
    last = from_json((logs_dir / f"{task_id}.jsonl").read_bytes().splitlines()[-1])
    assert isinstance(last, StatusRecord)
    return last


def test_successful_command_returns_its_exit_code(run: Task, logs_dir: Path) -> None:
    task_id = str(uuid.uuid4())
    result = run.apply(args=["echo hi"], task_id=task_id)
    assert result.get() == {"exit_code": 0}
    last = from_json((logs_dir / f"{task_id}.jsonl").read_bytes().splitlines()[-1])
    assert isinstance(last, StatusRecord)
    assert last.state == State.SUCCESS


def test_failing_command_fails_the_task_so_flower_shows_failure(run: Task, logs_dir: Path) -> None:
    task_id = str(uuid.uuid4())
    result = run.apply(args=["exit 3"], task_id=task_id)
    assert result.state == "FAILURE"
    assert isinstance(result.result, CommandFailed)
    assert result.result.exit_code == 3
    assert CommandFailed in run.throws  # expected: logged without a traceback
    assert (logs_dir / f"{task_id}.jsonl").is_file()


def test_timeout_kwarg_kills_the_command_and_fails_the_task(run: Task, logs_dir: Path) -> None:
    task_id = str(uuid.uuid4())
    result = run.apply(args=["sleep 300"], kwargs={"timeout": 0.3}, task_id=task_id)
    assert result.state == "FAILURE"
    assert (result.result.exit_code, str(result.result)) == (143, "timed out after 0.3 s")
    assert (last_status(logs_dir, task_id).state, last_status(logs_dir, task_id).exit_code) == (
        State.FAILURE,
        143,
    )


def test_default_timeout_applies_when_the_task_names_none(
    tmp_path: Path, logs_dir: Path, redis_url: str
) -> None:
    env = worker_env(tmp_path, redis_url) | {"JOBLOOK_DEFAULT_TIMEOUT": "0.3"}
    app = worker_celery(Settings.from_env(env))
    assert app.conf[DEFAULT_TIMEOUT_KEY] == 0.3
    run = app.tasks[RUN_TASK]
    task_id = str(uuid.uuid4())
    result = run.apply(args=["sleep 300"], task_id=task_id)
    assert str(result.result) == "timed out after 0.3 s"
    assert last_status(logs_dir, task_id).log == "timed out after 0.3 s"


def test_task_cancelled_in_the_queue_never_runs_its_command(
    run: Task, logs_dir: Path, redis_url: str
) -> None:
    task_id, marker = str(uuid.uuid4()), logs_dir / "ran"
    with redis.Redis.from_url(redis_url) as client:
        request_cancel(client, task_id, "api")
    result = run.apply(args=[f"touch {marker}"], task_id=task_id)
    assert result.state == "IGNORED"  # eager; a worker stores REVOKED and tells Flower
    assert not marker.exists()
    (line,) = (logs_dir / f"{task_id}.jsonl").read_bytes().splitlines()
    status = from_json(line)
    assert isinstance(status, StatusRecord)
    assert status.state == State.REVOKED
    assert status.log.startswith("cancelled by api at ")
    assert status.log.endswith(" before it started")


def test_a_failed_chain_step_closes_the_steps_after_it_as_revoked(
    run: Task, logs_dir: Path
) -> None:
    task_id, later = str(uuid.uuid4()), [str(uuid.uuid4()), str(uuid.uuid4())]
    run.apply(args=["exit 3"], kwargs={"later_steps": later}, task_id=task_id)
    for step in later:
        (line,) = (logs_dir / f"{step}.jsonl").read_bytes().splitlines()
        status = from_json(line)
        assert isinstance(status, StatusRecord)
        assert (status.state, status.exit_code) == (State.REVOKED, None)
        assert status.log == f"not run: step {task_id} ended FAILURE"


def test_a_successful_chain_step_leaves_the_later_steps_to_run(run: Task, logs_dir: Path) -> None:
    later = str(uuid.uuid4())
    assert run.apply(args=["true"], kwargs={"later_steps": [later]}).get() == {"exit_code": 0}
    assert not (logs_dir / f"{later}.jsonl").exists()


def test_a_task_delivered_twice_runs_its_command_once(run: Task, logs_dir: Path) -> None:
    task_id, marker = str(uuid.uuid4()), logs_dir / "runs"
    assert run.apply(args=[f"echo run >> {marker}"], task_id=task_id).get() == {"exit_code": 0}
    again = run.apply(args=[f"echo run >> {marker}"], task_id=task_id)
    assert again.state == "IGNORED"
    assert marker.read_text() == "run\n"
    assert last_status(logs_dir, task_id).state == State.SUCCESS  # the log was left alone


def test_command_failed_survives_the_json_result_backend() -> None:
    backend = worker_celery(Settings.from_env({})).backend
    restored = backend.exception_to_python(backend.prepare_exception(CommandFailed(137)))
    assert isinstance(restored, CommandFailed)
    assert restored.exit_code == 137
    assert str(restored) == "command exited with code 137"
    timed_out = backend.prepare_exception(CommandFailed(143, "timed out after 5 s"))
    assert str(backend.exception_to_python(timed_out)) == "timed out after 5 s"


def test_a_chain_step_that_cannot_be_claimed_fails_and_closes_the_steps_after_it(
    tmp_path: Path, logs_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    unreachable = worker_env(tmp_path, f"redis://127.0.0.1:{free_port()}/0")
    run = worker_celery(Settings.from_env(unreachable)).tasks[RUN_TASK]
    monkeypatch.setattr(
        "joblook.worker.claim.RETRY", Backoff.fixed(1e9)
    )  # give up at the first refusal
    task_id, later = str(uuid.uuid4()), [str(uuid.uuid4()), str(uuid.uuid4())]
    result = run.apply(args=["true"], kwargs={"later_steps": later}, task_id=task_id)
    assert result.state == "FAILURE"  # what Celery and Flower show...
    step = last_status(logs_dir, task_id)  # ...and what the step's own log says
    assert (step.state, step.exit_code) == (State.FAILURE, None)
    assert step.log.startswith("not run: cannot reach Redis")
    for later_step in later:
        status = last_status(logs_dir, later_step)
        assert (status.state, status.log) == (
            State.REVOKED,
            f"not run: step {task_id} ended FAILURE",
        )


def test_the_configuration_celery_shows_holds_no_redis_password() -> None:
    # What `celery inspect conf` and Flower's worker page show: Celery's censored table.
    settings = Settings.from_env({"REDIS_URL": "redis://:s3cret-pw@cache:6380/3"})
    shown = make_celery(settings).conf.table(with_defaults=True, censored=True)
    assert "s3cret-pw" not in repr(shown)
