"""execute really runs /bin/sh; these tests read back the log file it writes."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from types import FrameType

import pytest

from joblook.record import STDERR, STDOUT, OutputRecord, State, StatusRecord, from_json
from joblook.worker.chunker import MAX_CHUNK_CHARS
from joblook.worker.runner import execute

PY = shlex.quote(sys.executable)


def read_records(path: Path) -> list[OutputRecord | StatusRecord]:
    data = path.read_bytes()
    complete = data[: data.rfind(b"\n") + 1]  # a reader only trusts what ends in "\n"
    return [from_json(line) for line in complete.splitlines()]


def run(
    cmd: str | list[str], logs_dir: Path
) -> tuple[int | None, list[OutputRecord | StatusRecord]]:
    """Run ``cmd``; its exit code (None when it could not start) and the records it logged."""
    task_id = str(uuid.uuid4())
    exit_code = execute(task_id, cmd, logs_dir).exit_code
    records = read_records(logs_dir / f"{task_id}.jsonl")
    assert {r.task_id for r in records} == {task_id}
    return exit_code, records


def output(records: list[OutputRecord | StatusRecord], stream: str) -> str:
    return "".join(r.log for r in records if r.stream == stream)


def final(records: list[OutputRecord | StatusRecord]) -> StatusRecord:
    last = records[-1]
    assert isinstance(last, StatusRecord)
    return last


def test_started_is_first_and_the_terminal_status_last(tmp_path: Path) -> None:
    exit_code, records = run("echo out; echo err >&2", tmp_path)
    first = records[0]
    assert isinstance(first, StatusRecord)
    assert (first.seq, first.state, first.exit_code) == (1, State.STARTED, None)
    assert (final(records).state, final(records).exit_code) == (State.SUCCESS, 0)
    assert exit_code == 0
    statuses = [r for r in records if isinstance(r, StatusRecord)]
    assert len(statuses) == 2


def test_stdout_and_stderr_are_reproduced_exactly_per_stream(tmp_path: Path) -> None:
    out = (
        b"plain\n\nno-eol-then\r\nbar 10%\rbar 100%\r\n\tansi \x1b[1mbold\x1b[0m\n\xff\xfe bytes\n"
    )
    err = "unicode ✓ 世界 🎉\nwarning without newline".encode()
    script = (
        "import sys\n"
        f"sys.stdout.buffer.write({out!r}); sys.stdout.flush()\n"
        f"sys.stderr.buffer.write({err!r}); sys.stderr.flush()\n"
        f"sys.stdout.buffer.write({out!r})\n"
    )
    _, records = run(f"{PY} -c {shlex.quote(script)}", tmp_path)
    assert output(records, STDOUT) == (out + out).decode("utf-8", "replace")
    assert output(records, STDERR) == err.decode()


@pytest.mark.parametrize(
    ("cmd", "exit_code", "state", "message"),
    [
        ("true", 0, State.SUCCESS, "exited with code 0"),
        ("exit 3", 3, State.FAILURE, "exited with code 3"),
        ("kill -KILL $$", 128 + signal.SIGKILL, State.FAILURE, "killed by signal SIGKILL"),
        ("kill -TERM $$", 128 + signal.SIGTERM, State.FAILURE, "killed by signal SIGTERM"),
    ],
)
def test_exit_code_and_state_follow_the_command(
    tmp_path: Path, cmd: str, exit_code: int, state: State, message: str
) -> None:
    returned, records = run(cmd, tmp_path)
    assert returned == exit_code
    assert (final(records).state, final(records).exit_code) == (state, exit_code)
    assert final(records).log == message


def test_command_not_found_exits_127_with_failure(tmp_path: Path) -> None:
    exit_code, records = run("no-such-command-joblook", tmp_path)
    assert exit_code == 127
    assert (final(records).state, final(records).exit_code) == (State.FAILURE, 127)
    assert "not found" in output(records, STDERR)


def test_shell_that_cannot_start_is_a_failure_without_exit_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_fork(*args: object, **kwargs: object) -> None:
        raise BlockingIOError("fork: resource temporarily unavailable")

    monkeypatch.setattr(subprocess, "Popen", no_fork)
    exit_code, records = run("true", tmp_path)
    assert exit_code is None
    assert [r.seq for r in records] == [1, 2]
    assert (final(records).state, final(records).exit_code) == (State.FAILURE, None)
    assert "could not start" in final(records).log


@pytest.mark.parametrize(
    "cmd",
    ["echo a\0b", ["echo", "a\0b"], ["echo", 7], []],
    ids=["nul-in-shell-command", "nul-in-argv", "not-a-string", "empty-argv"],
)
def test_a_command_that_cannot_be_executed_ends_failure_not_started(
    tmp_path: Path, cmd: str | list[str], caplog: pytest.LogCaptureFixture
) -> None:
    exit_code, records = run(cmd, tmp_path)
    assert exit_code is None
    assert [r.seq for r in records] == [1, 2]
    assert (final(records).state, final(records).exit_code) == (State.FAILURE, None)
    assert "could not start" in final(records).log
    assert any("could not start" in r.message and r.levelname == "ERROR" for r in caplog.records)


def test_twenty_thousand_lines_have_contiguous_seq(tmp_path: Path) -> None:
    _, records = run("seq 1 20000", tmp_path)
    assert [r.seq for r in records] == list(range(1, 20003))
    lines = [r.log for r in records if r.stream == STDOUT]
    assert lines == [f"{i}\n" for i in range(1, 20001)]


def test_megabyte_line_is_kept_whole_in_bounded_chunks(tmp_path: Path) -> None:
    _, records = run(f"{PY} -c \"print('z' * (1 << 20))\"", tmp_path)
    chunks = [r.log for r in records if r.stream == STDOUT]
    assert "".join(chunks) == "z" * (1 << 20) + "\n"
    assert max(map(len, chunks)) <= MAX_CHUNK_CHARS


def test_stdin_is_empty_so_a_reading_command_does_not_hang(tmp_path: Path) -> None:
    exit_code, records = run("cat; echo after", tmp_path)
    assert exit_code == 0
    assert output(records, STDOUT) == "after\n"


def test_command_runs_in_its_own_process_group_with_unbuffered_python(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PYTHONUNBUFFERED", raising=False)  # the worker's own env may not set it
    script = "import os; print(os.getpgrp(), os.getsid(0), os.environ['PYTHONUNBUFFERED'])"
    _, records = run(f"{PY} -c {shlex.quote(script)}", tmp_path)
    group, session, unbuffered = output(records, STDOUT).split()
    assert group == session  # the shell leads a new session, so its group is its own
    assert int(group) != os.getpgrp()
    assert unbuffered == "1"


def watch_live(
    cmd: str, logs_dir: Path, seen: Callable[[OutputRecord], bool]
) -> list[OutputRecord | StatusRecord]:
    """Run ``cmd`` in a thread; return the file's records as of when ``seen`` first matched."""
    task_id = str(uuid.uuid4())
    path = logs_dir / f"{task_id}.jsonl"
    runner = threading.Thread(target=execute, args=(task_id, cmd, logs_dir))
    runner.start()
    try:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            records = read_records(path) if path.exists() else []
            if any(isinstance(r, OutputRecord) and seen(r) for r in records):
                return records
            time.sleep(0.01)
        pytest.fail(f"no matching record within 5 s: {records}")
    finally:
        runner.join()


def test_partial_line_appears_while_the_command_still_runs(tmp_path: Path) -> None:
    cmd = "printf 'Downloading...'; sleep 1; echo ' done'"
    records = watch_live(cmd, tmp_path, lambda r: (r.stream, r.log) == (STDOUT, "Downloading..."))
    assert not any(r.is_terminal for r in records)


def test_python_print_then_sleep_is_visible_live(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PYTHONUNBUFFERED", raising=False)  # the worker's own env may not set it
    cmd = f"{PY} -c \"import time; print('hello'); time.sleep(1)\""
    records = watch_live(cmd, tmp_path, lambda r: r.log == "hello\n")
    assert not any(r.is_terminal for r in records)


class Interrupted(Exception):
    """Stands in for a time limit or shutdown arriving while the command runs."""


def test_interruption_kills_the_process_group_and_still_writes_failure(tmp_path: Path) -> None:
    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise Interrupted

    task_id = str(uuid.uuid4())
    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 0.5)
    try:
        with pytest.raises(Interrupted):
            execute(task_id, "sleep 30 & echo $!; printf 'half'; wait", tmp_path)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    records = read_records(tmp_path / f"{task_id}.jsonl")
    assert output(records, STDOUT).endswith("half")
    assert (final(records).state, final(records).exit_code) == (State.FAILURE, 128 + 15)
    assert "Interrupted" in final(records).log
    sleeper = int(output(records, STDOUT).split()[0])
    assert_gone(sleeper)


def assert_gone(pid: int) -> None:
    """The process is dead (reaped, or a zombie waiting for its new parent to reap it)."""
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return
        if state in ("Z", "X"):
            return
        time.sleep(0.02)
    pytest.fail(f"background process {pid} survived the interruption")


def test_an_argv_runs_without_a_shell_so_metacharacters_stay_literal(tmp_path: Path) -> None:
    marker = tmp_path / "injected"
    argv = ["printf", "%s|", "; touch " + str(marker), "$(id)", "a b"]
    assert execute(str(uuid.uuid4()), argv, tmp_path).exit_code == 0
    (log,) = tmp_path.glob("*.jsonl")
    records = [from_json(line) for line in log.read_text().splitlines()]
    stdout = "".join(r.log for r in records if r.stream == STDOUT)
    assert stdout == f"; touch {marker}|$(id)|a b|"
    assert not marker.exists()


def test_an_argv_whose_program_does_not_exist_fails_without_a_shell(tmp_path: Path) -> None:
    outcome = execute(str(uuid.uuid4()), ["no-such-program-joblook"], tmp_path)
    assert (outcome.state, outcome.exit_code) == (State.FAILURE, None)
    assert outcome.message.startswith("could not start")
