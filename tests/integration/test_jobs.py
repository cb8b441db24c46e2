"""A named job runs its fixed argv; what a user types is one literal argument, never shell."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.stack import Stack, output_of, running_stack

JOBS = """
jobs:
  note:
    description: Print a note
    argv: [printf, "%s\\\\n", "{text}"]
    params:
      text: {type: string, max_length: 1000}
  sort:
    argv: [sort, "{file}"]
    params:
      file: {type: string}
  sort_operand:
    argv: [sort, --, "{file}"]
    params:
      file: {type: string, allow_leading_dash: true}
"""


@pytest.fixture(scope="module")
def with_jobs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("jobs"), jobs_yaml=JOBS) as stack:
        yield stack


def test_a_parameter_holding_shell_syntax_is_passed_literally_and_runs_nothing(
    with_jobs: Stack, tmp_path: Path
) -> None:
    marker = tmp_path / "x"
    text = f"; touch {marker} $(touch {marker}) `touch {marker}` && touch {marker}"
    reply = with_jobs.enqueue_json({"job": "note", "params": {"text": text}})
    log = with_jobs.wait_finished(reply["task_id"])
    assert log["state"] == "SUCCESS"
    assert output_of(log["records"], "stdout") == text + "\n"
    assert not marker.exists()


def test_raw_commands_are_refused_when_jobs_are_defined(with_jobs: Stack, tmp_path: Path) -> None:
    marker = tmp_path / "raw"
    reply = with_jobs.http.post(with_jobs.url("/enqueue"), json={"cmd": f"touch {marker}"})
    assert reply.status_code == 403
    assert not marker.exists()


def test_a_value_cannot_become_an_option_unless_allowed_after_a_double_dash(
    with_jobs: Stack, tmp_path: Path
) -> None:
    marker = tmp_path / "written-by-sort"
    body = {"job": "sort", "params": {"file": f"-o{marker}"}}
    reply = with_jobs.http.post(with_jobs.url("/enqueue"), json=body, timeout=10)
    assert reply.status_code == 400
    assert "file must not start with '-'" in reply.json()["error"]
    allowed = with_jobs.enqueue_json({"job": "sort_operand", "params": {"file": f"-o{marker}"}})
    log = with_jobs.wait_finished(allowed["task_id"])
    assert log["state"] == "FAILURE"  # sort was given a file named "-o...", which does not exist
    assert f"-o{marker}" in output_of(log["records"], "stderr")
    assert not marker.exists()
