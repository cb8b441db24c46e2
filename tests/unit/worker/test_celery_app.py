"""The Celery app's configuration and the thin task, run eagerly: no broker involved."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from joblook.record import State, StatusRecord, from_json
from joblook.settings import Settings
from joblook.worker.celery_app import LOGS_DIR_KEY, RUN_TASK, celery_app, make_celery
from joblook.worker.tasks import CommandFailed, run


def test_app_uses_redis_for_broker_and_results_and_json_only(tmp_path: Path) -> None:
    settings = Settings.from_env({"REDIS_URL": "redis://cache:6380/3", "JOBLOOK_DATA_DIR": "/d"})
    conf = make_celery(settings).conf
    assert conf.broker_url == conf.result_backend == "redis://cache:6380/3"
    assert (conf.task_serializer, conf.result_serializer) == ("json", "json")
    assert list(conf.accept_content) == ["json"]
    assert conf[LOGS_DIR_KEY] == "/d/logs"
    assert "joblook.worker.tasks" in conf.include


def test_long_non_idempotent_jobs_are_never_hoarded_nor_rerun() -> None:
    conf = celery_app.conf
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_acks_late is False
    assert conf.broker_transport_options["visibility_timeout"] >= 12 * 3600


def test_flower_gets_the_events_it_needs() -> None:
    conf = celery_app.conf
    assert conf.task_track_started
    assert conf.worker_send_task_events
    assert conf.task_send_sent_event


def test_run_task_is_registered_under_the_name_the_web_server_sends() -> None:
    assert run.name == RUN_TASK
    assert celery_app.tasks[RUN_TASK].name == RUN_TASK


@pytest.fixture
def logs_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the task's log files at a temporary directory."""
    monkeypatch.setitem(celery_app.conf, LOGS_DIR_KEY, str(tmp_path))
    return tmp_path


def test_successful_command_returns_its_exit_code(logs_dir: Path) -> None:
    task_id = str(uuid.uuid4())
    result = run.apply(args=["echo hi"], task_id=task_id)
    assert result.get() == {"exit_code": 0}
    last = from_json((logs_dir / f"{task_id}.jsonl").read_bytes().splitlines()[-1])
    assert isinstance(last, StatusRecord)
    assert last.state == State.SUCCESS


def test_failing_command_fails_the_task_so_flower_shows_failure(logs_dir: Path) -> None:
    task_id = str(uuid.uuid4())
    result = run.apply(args=["exit 3"], task_id=task_id)
    assert result.state == "FAILURE"
    assert isinstance(result.result, CommandFailed)
    assert result.result.exit_code == 3
    assert CommandFailed in run.throws  # expected: logged without a traceback
    assert (logs_dir / f"{task_id}.jsonl").is_file()


def test_command_failed_survives_the_json_result_backend() -> None:
    backend = celery_app.backend
    restored = backend.exception_to_python(backend.prepare_exception(CommandFailed(137)))
    assert isinstance(restored, CommandFailed)
    assert restored.exit_code == 137
    assert str(restored) == "command exited with code 137"
