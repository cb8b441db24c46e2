"""Notices with the real stack: a task's end reaches Apprise json:// targets, retried when one
fails, from the request, the named job and JOBLOOK_NOTIFY, and no URL is ever shown or logged."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.test_cli import joblook
from tests.support.receiver import Receiver
from tests.support.stack import Stack, running_stack
from tests.support.waiting import wait_for

PUBLIC = "https://joblook.example"
PASSWORD = "hunter2-never-shown"


@pytest.fixture(scope="module")
def receivers() -> Iterator[dict[str, Receiver]]:
    """The task's own target (failing its first POST), the job's and everyone's."""
    made = {
        "task": Receiver(failures=1, ok_status=200),
        "job": Receiver(ok_status=200),
        "all": Receiver(ok_status=200),
    }
    yield made
    for receiver in made.values():
        receiver.close()


def _json_url(receiver: Receiver) -> str:
    return f"json://joblook:{PASSWORD}@127.0.0.1:{receiver.port}/"


@pytest.fixture(scope="module")
def notifying_stack(
    tmp_path_factory: pytest.TempPathFactory, receivers: dict[str, Receiver]
) -> Iterator[Stack]:
    root: Path = tmp_path_factory.mktemp("notices")
    env = {
        "JOBLOOK_NOTIFY": _json_url(receivers["all"]),
        "JOBLOOK_PUBLIC_URL": PUBLIC,
        "JOBLOOK_ALLOW_RAW": "1",  # raw commands beside the jobs file
    }
    jobs = f"""
jobs:
  hello:
    argv: ["echo", "hello from a job"]
    notify: ["{_json_url(receivers["job"])}"]
"""
    with running_stack(root, extra_env=env, jobs_yaml=jobs) as running:
        yield running


def test_a_tasks_end_reaches_its_target_after_a_failed_try_with_state_link_and_last_lines(
    notifying_stack: Stack, receivers: dict[str, Receiver]
) -> None:
    task = receivers["task"]
    task_id = notifying_stack.enqueue("seq 1 30; exit 3", notify=[_json_url(task)])
    notifying_stack.wait_finished(task_id)
    wait_for(lambda: task.delivered, 60, "the notice, on its second try")
    assert len(task.requests) == 2, "the first POST failed and was tried again"
    message = task.delivered[0]["message"].splitlines()
    assert message[0] == f"Task {task_id} ended FAILURE (exit code 3)"
    assert f"Link: {PUBLIC}/task?task_id={task_id}" in message
    assert any(line.startswith("Duration: ") for line in message)
    assert message[-20:] == [str(n) for n in range(11, 31)]
    assert "FAILURE" in task.delivered[0]["title"]
    assert task.delivered[0]["type"] == "failure"  # the service shows it as a failure
    everyone = receivers["all"]
    wait_for(lambda: any(task_id in d["message"] for d in everyone.delivered), 30, "JOBLOOK_NOTIFY")


def test_a_named_jobs_notify_gets_its_tasks_end(
    notifying_stack: Stack, receivers: dict[str, Receiver]
) -> None:
    task_id = notifying_stack.enqueue_json({"job": "hello"})["task_id"]
    notifying_stack.wait_finished(task_id)
    job = receivers["job"]
    wait_for(lambda: any(task_id in d["message"] for d in job.delivered), 30, "the job's notice")
    notice = next(d for d in job.delivered if task_id in d["message"])
    assert notice["type"] == "success"
    assert "SUCCESS" in notice["message"] and "hello from a job" in notice["message"]


def test_notify_urls_are_shown_masked_and_never_logged(
    notifying_stack: Stack, receivers: dict[str, Receiver]
) -> None:
    task_id = notifying_stack.enqueue("true", notify=[_json_url(receivers["task"])])
    notifying_stack.wait_finished(task_id)
    wait_for(lambda: any(task_id in d["message"] for d in receivers["task"].delivered), 30, "it")
    reply = notifying_stack.http.get(notifying_stack.url(f"/tasks/{task_id}"), timeout=10)
    assert reply.json()["notify"] == ["json://***"]
    assert reply.json()["definition"]["notify"] == ["json://***"]
    listed = notifying_stack.http.get(notifying_stack.url("/tasks"), timeout=10)
    for text in (reply.text, listed.text, notifying_stack.logs()):
        assert PASSWORD not in text


def test_a_notify_that_is_no_apprise_url_is_a_400_that_does_not_repeat_it(
    notifying_stack: Stack,
) -> None:
    for notify in (["nosuchservice://secret-token"], "json://x", [1], ["x"] * 11):
        reply = notifying_stack.http.post(
            notifying_stack.url("/enqueue"), json={"cmd": "true", "notify": notify}, timeout=10
        )
        assert reply.status_code == 400, reply.text
        assert "notify" in reply.json()["error"]
        assert "secret-token" not in reply.text
    reply = notifying_stack.http.post(  # a chain's notify is checked the same way
        notifying_stack.url("/enqueue"),
        json={"chain": ["true"], "notify": ["nosuchservice://secret-token"]},
        timeout=10,
    )
    assert reply.status_code == 400 and "notify" in reply.json()["error"]
    assert "secret-token" not in reply.text


def test_the_cli_submit_notify_flag_sends_the_end_there(
    notifying_stack: Stack, receivers: dict[str, Receiver]
) -> None:
    job = receivers["job"]
    done = joblook(notifying_stack.base_url, "submit", "--notify", _json_url(job), "--", "echo cli")
    assert done.returncode == 0, done.stderr
    task_id = done.stdout.strip()
    wait_for(lambda: any(task_id in d["message"] for d in job.delivered), 30, "the CLI's notice")
