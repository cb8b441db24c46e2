"""Named jobs: typed parameters, checked strictly, placed in argv (never through a shell)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from joblook import jobs
from joblook.jobs import JobError, JobsFileError
from joblook.launching import Placement, with_limits

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
    refused(tmp_path, text, complaint)


def test_a_job_describes_itself_for_the_home_page_form(defined: dict[str, jobs.Job]) -> None:
    described = defined["train"].describe()
    assert described["name"] == "train"
    params = {p["name"]: p for p in described["params"]}  # type: ignore[union-attr]
    assert params["model"]["choices"] == ["small", "large"]
    assert params["epochs"]["min"] == 1


def refused(tmp_path: Path, text: str, complaint: str) -> None:
    """Loading ``text`` as a jobs file fails with an error matching ``complaint``."""
    path = tmp_path / "jobs.yaml"
    path.write_text(text)
    with pytest.raises(JobsFileError, match=complaint):
        jobs.load(path)


DASHES = """
jobs:
  sort:
    argv: [sort, "{file}"]
    params:
      file: {type: string}
  sort_operand:
    argv: [sort, --, "{file}"]
    params:
      file: {type: string, allow_leading_dash: true}
  train:
    argv: [train, "--lr={lr}", "{prefix}{name}", "{mode}", "{offset}"]
    params:
      lr: {type: float, min: -1, max: 1, default: 0.1}
      prefix: {type: string, default: ""}
      name: {type: string, default: run}
      mode: {type: choice, choices: [-v, -q], default: -q}
      offset: {type: int, min: -10, max: 10, default: -1}
"""


@pytest.fixture
def dashed(tmp_path: Path) -> dict[str, jobs.Job]:
    path = tmp_path / "jobs.yaml"
    path.write_text(DASHES)
    return jobs.load(path)


@pytest.mark.parametrize(
    ("job", "values", "refused"),
    [
        ("sort", {"file": "-o/tmp/x"}, "file"),
        ("train", {"offset": -5}, "offset"),
        ("train", {"name": "--help"}, "name"),
        ("train", {"prefix": "", "name": "-x"}, "name"),  # an empty value starts nothing
        ("train", {"prefix": "-x"}, "prefix"),
    ],
)
def test_a_value_that_would_begin_an_argument_with_a_dash_is_refused(
    dashed: dict[str, jobs.Job], job: str, values: dict[str, object], refused: str
) -> None:
    with pytest.raises(JobError, match=f"{refused} must not start with '-'.*allow_leading_dash"):
        dashed[job].render(values)


def test_a_dash_is_fine_inside_the_templates_own_option_or_in_its_own_words(
    dashed: dict[str, jobs.Job],
) -> None:
    with pytest.raises(JobError, match="name must not start with '-'"):
        dashed["train"].render({"name": "-y"})
    argv = dashed["train"].render({"lr": -0.5, "prefix": "x", "name": "-y", "mode": "-v"})
    assert argv == ["train", "--lr=-0.5", "x-y", "-v", "-1"]  # the offset is the file's default


def test_a_parameter_may_allow_a_leading_dash_after_a_double_dash(
    dashed: dict[str, jobs.Job],
) -> None:
    with pytest.raises(JobError, match="file must not start with '-'"):
        dashed["sort"].render({"file": "-o/tmp/x"})
    assert dashed["sort_operand"].render({"file": "-o/tmp/x"}) == ["sort", "--", "-o/tmp/x"]


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_a_number_parameter_refuses_nan_and_infinity(
    dashed: dict[str, jobs.Job], value: float
) -> None:
    with pytest.raises(JobError, match="lr must be a finite number"):
        dashed["train"].render({"lr": value})


def test_a_string_parameter_refuses_a_nul(defined: dict[str, jobs.Job]) -> None:
    with pytest.raises(JobError, match="text must not contain a NUL character"):
        defined["echo"].render({"text": "a\0b"})


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("jobs: {a: {argv: [x], params: {p: {type: float, min: .nan}}}}", "'min' must be a finite"),
        ("jobs: {a: {argv: [x], params: {p: {type: float, max: .inf}}}}", "'max' must be a finite"),
        ("jobs: {a: {argv: [x], params: {p: {type: int, max: ten}}}}", "'max' must be a finite"),
        ("jobs: {a: {argv: [x], params: {p: {type: float, default: .nan}}}}", "default: p must"),
        ("jobs: {a: {argv: [x, '{p:>9}'], params: {p: {type: int}}}}", "without a conversion"),
        ("jobs: {a: {argv: [x, '{p!r}'], params: {p: {type: int}}}}", "without a conversion"),
        ("jobs: {a: {argv: [x, '{p'], params: {p: {type: int}}}}", "argv item '{p'"),
        ('jobs: {a: {argv: ["x\\0"]}}', "NUL"),
        (
            "jobs: {a: {argv: [x], params: {p: {type: string, allow_leading_dash: yes please}}}}",
            "allow_leading_dash is true or false",
        ),
    ],
)
def test_a_jobs_file_that_would_let_bad_values_through_is_refused(
    tmp_path: Path, text: str, complaint: str
) -> None:
    refused(tmp_path, text, complaint)


def test_a_job_may_define_its_retries_and_their_first_delay(tmp_path: Path) -> None:
    path = tmp_path / "jobs.yaml"
    path.write_text(
        "jobs:\n  flaky:\n    argv: [sh, -c, exit 1]\n    retries: 2\n    retry_delay: 30\n"
    )
    job = jobs.load(path)["flaky"]
    assert (job.retries, job.retry_delay) == (2, 30.0)
    assert job.describe()["retries"] == 2


@pytest.mark.parametrize(
    ("policy", "complaint"),
    [("retries: -1", "retries must be"), ("retries: yes", "retries must be"),
     ("retries: 99", "retries must be"), ("retry_delay: 0", "retry_delay must be")],
)  # fmt: skip
def test_a_jobs_file_with_a_bad_retry_policy_is_refused(
    tmp_path: Path, policy: str, complaint: str
) -> None:
    refused(tmp_path, f"jobs:\n  flaky:\n    argv: [ls]\n    {policy}\n", complaint)


def test_a_job_may_ask_for_secrets_which_travel_in_its_placement_by_name(tmp_path: Path) -> None:
    path = tmp_path / "jobs.yaml"
    path.write_text(
        "jobs:\n  backup:\n    argv: [pg_dump]\n    secrets: [DB_PASSWORD, DB_PASSWORD]\n"
    )
    job = jobs.load(path)["backup"]
    assert job.secrets == ("DB_PASSWORD",)
    placement = with_limits(None, None, job, {})
    assert placement.task_kwargs()["secrets"] == ["DB_PASSWORD"]
    assert Placement.from_kwargs(placement.task_kwargs()) == placement  # a retry asks again


@pytest.mark.parametrize(
    "secrets",
    ["DB_PASSWORD", "[db_password]", "[A/B]", "['']", "[1]", f"[{', '.join(['A'] * 33)}]"],
)
def test_a_jobs_file_with_a_bad_secret_name_is_refused(tmp_path: Path, secrets: str) -> None:
    refused(tmp_path, f"jobs:\n  backup:\n    argv: [ls]\n    secrets: {secrets}\n", "secret")
