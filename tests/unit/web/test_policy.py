"""The command policy: an allow-list pattern for raw commands, and named jobs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.web.conftest import AppFactory

JOBS = """
jobs:
  greet:
    description: Say hello
    argv: [echo, hello, "{name}"]
    params:
      name: {type: regex, pattern: "[A-Za-z ;$()\\0-]{1,30}"}
"""


@pytest.fixture
def jobs_file(tmp_path: Path) -> Path:
    path = tmp_path / "jobs.yaml"
    path.write_text(JOBS)
    return path


def test_allowed_commands_must_match_the_whole_command(make_app: AppFactory) -> None:
    with make_app(JOBLOOK_ALLOWED_COMMANDS=r"echo [a-z]+").test_client() as client:
        assert client.post("/enqueue", json={"cmd": "echo hi"}).status_code == 202
        refused = client.post("/enqueue", json={"cmd": "echo hi; rm -rf /"})
        assert refused.status_code == 403
        assert "JOBLOOK_ALLOWED_COMMANDS" in refused.get_json()["error"]
        chain = client.post("/enqueue", json={"chain": ["echo ok", "curl evil.example"]})
        assert chain.status_code == 403


def test_a_jobs_file_turns_raw_commands_off_unless_allowed(
    make_app: AppFactory, jobs_file: Path
) -> None:
    with make_app(JOBLOOK_JOBS_FILE=str(jobs_file)).test_client() as client:
        refused = client.post("/enqueue", json={"cmd": "echo hi"})
        assert refused.status_code == 403
        assert refused.get_json()["detail"] == {"jobs": ["greet"]}
        assert client.post("/enqueue", json={"group": ["true"]}).status_code == 403
    raw_too = make_app(JOBLOOK_JOBS_FILE=str(jobs_file), JOBLOOK_ALLOW_RAW="1")
    with raw_too.test_client() as client:
        assert client.post("/enqueue", json={"cmd": "echo hi"}).status_code == 202


def test_a_jobs_file_without_jobs_still_turns_raw_commands_off(
    make_app: AppFactory, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("jobs: {}")
    with make_app(JOBLOOK_JOBS_FILE=str(empty)).test_client() as client:
        refused = client.post("/enqueue", json={"cmd": "echo hi"})
        assert refused.status_code == 403
        assert refused.get_json()["detail"] == {"jobs": []}
        assert client.post("/enqueue", json={"chain": ["true"]}).status_code == 403
    with make_app(JOBLOOK_JOBS_FILE=str(empty), JOBLOOK_ALLOW_RAW="1").test_client() as client:
        assert client.post("/enqueue", json={"cmd": "echo hi"}).status_code == 202


def test_a_job_runs_its_argv_and_shows_it_shell_quoted(
    make_app: AppFactory, jobs_file: Path
) -> None:
    with make_app(JOBLOOK_JOBS_FILE=str(jobs_file)).test_client() as client:
        reply = client.post("/enqueue", json={"job": "greet", "params": {"name": "Ada; $(id)"}})
        assert reply.status_code == 202
        task = client.get(f"/tasks/{reply.get_json()['task_id']}").get_json()
        assert task["cmd"] == "echo hello 'Ada; $(id)'"
        listed = client.get("/jobs").get_json()["jobs"]
        assert [job["name"] for job in listed] == ["greet"]


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        ({"job": "nope"}, "unknown job"),
        ({"job": "greet"}, "needs the parameter name"),
        ({"job": "greet", "params": {"name": "x" * 31}}, "must match"),
        ({"job": "greet", "params": {"name": "Ada", "extra": 1}}, "unknown parameters"),
        ({"job": "greet", "params": ["Ada"]}, "params must be a JSON object"),
        ({"cmd": "ls", "params": {}}, "params go with job"),
        ({"job": "greet", "cmd": "ls"}, "exactly one"),
        ({"job": "greet", "params": {"name": "-e x"}}, "name must not start with '-'"),
        ({"job": "greet", "params": {"name": "a\0b"}}, "name must not contain a NUL"),
        ({"job": "greet", "params": {"name": "\ud800"}}, "not valid JSON"),  # a lone surrogate
    ],
)
def test_a_bad_job_request_is_a_400(
    make_app: AppFactory, jobs_file: Path, body: dict[str, object], complaint: str
) -> None:
    with make_app(JOBLOOK_JOBS_FILE=str(jobs_file)).test_client() as client:
        reply = client.post("/enqueue", json=body)
        assert reply.status_code == 400
        assert complaint in reply.get_json()["error"]


def test_a_broken_jobs_file_stops_the_app_with_its_reason(
    make_app: AppFactory, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("jobs: {a: {argv: []}}")
    with pytest.raises(ValueError, match="non-empty 'argv'"):
        make_app(JOBLOOK_JOBS_FILE=str(broken))


NUMBERS = """
jobs:
  train:
    argv: [python, train.py, "--lr={lr}"]
    params:
      lr: {type: float, min: 0, max: 1}
"""


@pytest.mark.parametrize("lr", [b"NaN", b"Infinity", b"-Infinity"])
def test_a_job_number_that_is_not_finite_is_a_400(
    make_app: AppFactory, tmp_path: Path, lr: bytes
) -> None:
    path = tmp_path / "numbers.yaml"
    path.write_text(NUMBERS)
    body = b'{"job": "train", "params": {"lr": ' + lr + b"}}"
    with make_app(JOBLOOK_JOBS_FILE=str(path)).test_client() as client:
        reply = client.post("/enqueue", data=body, content_type="application/json")
        assert reply.status_code == 400, reply.data
        assert "NaN or Infinity" in reply.get_json()["error"]
