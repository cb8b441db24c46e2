"""A command's secrets: given as environment variables, masked in everything its log holds."""

from __future__ import annotations

import uuid
from pathlib import Path

from joblook.record import STDERR, STDOUT, OutputRecord, State, StatusRecord
from joblook.worker.runner import execute
from tests.unit.worker.test_runner import output, read_records

SECRETS = {"DB_PASSWORD": "abcdef-42", "API_TOKEN": "tok-é-xyz"}


def run_with_secrets(
    cmd: str, logs_dir: Path, pause_flush: float = 0.1
) -> list[OutputRecord | StatusRecord]:
    task_id = str(uuid.uuid4())
    outcome = execute(task_id, cmd, logs_dir, secrets=SECRETS, pause_flush=pause_flush)
    assert outcome.state is State.SUCCESS, outcome
    return read_records(logs_dir / f"{task_id}.jsonl")


def test_the_command_gets_its_secrets_as_environment_variables(tmp_path: Path) -> None:
    cmd = 'test "$DB_PASSWORD" = abcdef-42 && test "$API_TOKEN" = "tok-é-xyz" && echo both'
    assert output(run_with_secrets(cmd, tmp_path), STDOUT) == "both\n"


def test_a_secret_printed_whole_is_masked_on_both_streams(tmp_path: Path) -> None:
    cmd = 'echo "db=$DB_PASSWORD"; echo "api=$API_TOKEN" >&2'
    records = run_with_secrets(cmd, tmp_path)
    assert output(records, STDOUT) == "db=***\n"
    assert output(records, STDERR) == "api=***\n"


def test_a_secret_printed_in_two_halves_with_a_pause_between_is_masked(tmp_path: Path) -> None:
    # The pause is longer than the pause flush: a partial line is shown, but never half a secret.
    cmd = (
        "printf 'pw=abc'; sleep 0.5; printf 'def-42\\n';"
        "printf 'tok-' >&2; sleep 0.3; printf 'é-xyz!' >&2"
    )
    path_records = run_with_secrets(cmd, tmp_path, pause_flush=0.05)
    assert output(path_records, STDOUT) == "pw=***\n"
    assert output(path_records, STDERR) == "***!"
    assert next(r.log for r in path_records if r.stream == STDOUT) == "pw="  # shown at the pause
    logged = "".join(r.log for r in path_records if r.stream in (STDOUT, STDERR))
    assert not any(half in logged for half in ("abc", "def-42", "tok-", "xyz"))
