"""The worker's side of notices: which URLs a task's end goes to, and the output it carries."""

from __future__ import annotations

from pathlib import Path

from joblook.record import State
from joblook.store.logstore import LogStore
from joblook.worker.logfile import TaskLogWriter
from joblook.worker.notify import NOTIFY_KEY, TAIL_BYTES, notify_urls, tail_output

TASK = "4f1c2a9e-1111-4222-8333-444455556666"


def test_the_output_comes_from_the_end_of_the_log_file_without_its_status(tmp_path: Path) -> None:
    with TaskLogWriter(tmp_path, TASK) as log:
        log.write_output("stdout", ["x" * 100 + "\n"] * (OLD_LINES := TAIL_BYTES // 100))
        log.write_output("stderr", ["last words\n"])
        log.write_status(State.FAILURE, 1, "exited with code 1")
    output = tail_output(tmp_path / f"{TASK}.jsonl")
    assert output.endswith("x" * 100 + "\nlast words\n")
    assert output.count("\n") < OLD_LINES, "only the file's end is read"
    assert "exited with code" not in output


def test_a_missing_log_file_gives_no_output(tmp_path: Path) -> None:
    assert tail_output(tmp_path / "gone.jsonl") == ""


def test_a_tasks_own_urls_come_first_then_everyones_each_once(store: LogStore) -> None:
    store.create_task(TASK, "true", extra={"notify": '["json://a/", "json://b/"]'})
    conf = {NOTIFY_KEY: ["json://b/", "json://all/"]}
    assert notify_urls(store.redis, conf, TASK) == ["json://a/", "json://b/", "json://all/"]
    assert notify_urls(store.redis, {}, "5f1c2a9e-1111-4222-8333-444455556666") == []
