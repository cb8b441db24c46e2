"""Named jobs: typed parameters, checked strictly, placed in argv (never through a shell)."""

from __future__ import annotations

from pathlib import Path

import pytest

from joblook import jobs
from joblook.jobs import JobError, JobsFileError

JOBS = """
jobs:
  train:
    description: Train a model
    argv: [python, train.py, --epochs, "{epochs}", "--model={model}", --tag, "{tag}"]
    params:
      epochs: {type: int, min: 1, max: 100, default: 10}
      model: {type: choice, choices: [small, large]}
      tag: {type: regex, pattern: "[a-z0-9-]{1,16}", default: run}
  echo:
    argv: [echo, "{text}"]
    params:
      text: {type: string, max_length: 20}
"""


@pytest.fixture
def defined(tmp_path: Path) -> dict[str, jobs.Job]:
    path = tmp_path / "jobs.yaml"
    path.write_text(JOBS)
    return jobs.load(path)


def test_values_are_checked_and_placed_as_separate_arguments(defined: dict[str, jobs.Job]) -> None:
    argv = defined["train"].render({"epochs": 3, "model": "large", "tag": "exp-1"})
    assert argv == ["python", "train.py", "--epochs", "3", "--model=large", "--tag", "exp-1"]


def test_defaults_fill_in_what_the_request_leaves_out(defined: dict[str, jobs.Job]) -> None:
    argv = defined["train"].render({"model": "small"})
    assert argv == ["python", "train.py", "--epochs", "10", "--model=small", "--tag", "run"]


def test_a_shell_injection_is_just_text_in_one_argument(defined: dict[str, jobs.Job]) -> None:
    assert defined["echo"].render({"text": "; touch /tmp/x"}) == ["echo", "; touch /tmp/x"]


@pytest.mark.parametrize(
    ("values", "complaint"),
    [
        ({"model": "huge"}, "model must be one of small, large"),
        ({"model": "small", "epochs": 0}, "epochs must be >= 1"),
        ({"model": "small", "epochs": 101}, "epochs must be <= 100"),
        ({"model": "small", "epochs": "5"}, "epochs must be an integer"),
        ({"model": "small", "epochs": True}, "epochs must be an integer"),
        ({"model": "small", "tag": "Bad Tag"}, "tag must match"),
        ({"model": "small", "tag": "a; rm -rf /"}, "tag must match"),
        ({}, "needs the parameter model"),
        ({"model": "small", "uid": 0}, "unknown parameters for train: uid"),
    ],
)
def test_a_bad_value_is_refused_with_the_reason(
    defined: dict[str, jobs.Job], values: dict[str, object], complaint: str
) -> None:
    with pytest.raises(JobError, match=complaint):
        defined["train"].render(values)


def test_a_string_parameter_is_bounded(defined: dict[str, jobs.Job]) -> None:
    with pytest.raises(JobError, match="at most 20"):
        defined["echo"].render({"text": "x" * 21})


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("jobs: [1]", "'jobs' mapping"),
        ("jobs: {a: {argv: []}}", "non-empty 'argv'"),
        ("jobs: {a: {argv: [x, '{nope}']}}", "uses {nope}"),
        ("jobs: {a: {argv: [x], params: {p: {type: file}}}}", "type must be one of"),
        ("jobs: {a: {argv: [x], params: {p: {type: regex}}}}", "needs 'pattern'"),
        ("jobs: {a: {argv: [x], params: {p: {type: choice}}}}", "needs 'choices'"),
        (": : :", "cannot read"),
    ],
)
def test_a_broken_jobs_file_is_refused_naming_the_problem(
    tmp_path: Path, text: str, complaint: str
) -> None:
    path = tmp_path / "jobs.yaml"
    path.write_text(text)
    with pytest.raises(JobsFileError, match=complaint):
        jobs.load(path)


def test_a_job_describes_itself_for_the_home_page_form(defined: dict[str, jobs.Job]) -> None:
    described = defined["train"].describe()
    assert described["name"] == "train"
    params = {p["name"]: p for p in described["params"]}  # type: ignore[union-attr]
    assert params["model"]["choices"] == ["small", "large"]
    assert params["epochs"]["min"] == 1
