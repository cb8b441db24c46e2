"""Cancel and timeout in ``runner.execute``: real process trees, a pipe standing in for Redis."""

from __future__ import annotations

import os
import shlex
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest

from joblook.record import STDOUT, State, StatusRecord
from joblook.store.cancellation import CancelRequest
from joblook.worker.runner import Outcome, execute
from tests.support.waiting import wait_for
from tests.unit.worker.test_runner import final, output, read_records

PY = shlex.quote(sys.executable)
# Bounds that catch a kill or timeout that did not happen (the commands here would run for 60 s or
# more, or for ever), not speed claims: how soon a cancel takes effect is measured by
# make bench BENCH_ARGS="--only cancel".
HANG_GUARD = 30


class PipeCancel:
    """A CancelSignal fired by hand: what CancelWatcher gives the runner, minus Redis."""

    def __init__(self) -> None:
        self._read, self._write = os.pipe()
        self.request: CancelRequest | None = None

    def fileno(self) -> int:
        return self._read

    def fire(self, by: str = "tester", at: str = "2026-01-02T03:04:05.000000Z") -> None:
        self.request = CancelRequest(by, at)
        os.write(self._write, b"!")

    def close(self) -> None:
        os.close(self._read)
        os.close(self._write)


@pytest.fixture
def cancel() -> Iterator[PipeCancel]:
    """A cancel signal nobody has fired yet."""
    signal_ = PipeCancel()
    yield signal_
    signal_.close()


def alive(pid: int) -> bool:
    """Running, not a zombie waiting for its new parent to reap it."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def pids_in(path: Path, count: int) -> list[int]:
    """Wait until the command wrote ``count`` pids to ``path``; return them."""

    def written() -> list[int]:
        lines = path.read_text().split() if path.exists() else []
        return [int(pid) for pid in lines] if len(lines) >= count else []

    return wait_for(written, 10, f"{count} pids in {path}")


def run_and_fire(
    cmd: str, logs_dir: Path, when: Callable[[], object], cancel: PipeCancel, **limits: float
) -> tuple[Outcome, list, float]:
    """Run ``cmd`` and fire ``cancel`` once ``when()`` holds; the outcome, records, run time."""

    def fire() -> None:
        wait_for(when, 10, "the command to get going")
        cancel.fire()

    task_id = str(uuid.uuid4())
    trigger = threading.Thread(target=fire)
    trigger.start()
    started = time.monotonic()
    try:
        outcome = execute(task_id, cmd, logs_dir, cancel=cancel, **limits)
    finally:
        trigger.join()
    return outcome, read_records(logs_dir / f"{task_id}.jsonl"), time.monotonic() - started


def test_cancel_kills_the_whole_process_tree_even_a_setsid_grandchild(
    tmp_path: Path, cancel: PipeCancel
) -> None:
    pids = tmp_path / "pids"
    setsid_child = (
        "import os, time; os.setsid(); "
        f"print(os.getpid(), file=open({str(pids)!r}, 'a')); time.sleep(300)"
    )
    cmd = (
        f"echo before; sleep 300 & echo $! >> {pids}; "
        f"( sleep 300 & echo $! >> {pids}; {PY} -c {shlex.quote(setsid_child)} & wait ) & wait"
    )
    outcome, records, _ = run_and_fire(
        cmd, tmp_path / "logs", lambda: pids_in(pids, 3), cancel, kill_grace=2
    )
    assert len(pids_in(pids, 3)) == 3
    assert [pid for pid in pids_in(pids, 3) if alive(pid)] == []
    assert output(records, STDOUT) == "before\n"
    assert (final(records).state, final(records).exit_code) == (State.REVOKED, 128 + 15)
    assert final(records).log == "cancelled by tester at 2026-01-02T03:04:05.000000Z"
    assert outcome == Outcome(State.REVOKED, 143, final(records).log)


def test_cancel_requested_before_start_never_runs_the_command(
    tmp_path: Path, cancel: PipeCancel
) -> None:
    marker = tmp_path / "ran"
    cancel.fire(by="api", at="2026-01-02T03:04:05Z")
    task_id = str(uuid.uuid4())
    outcome = execute(task_id, f"touch {marker}", tmp_path / "logs", cancel=cancel)
    time.sleep(0.2)  # were it started, the command would long have created the file
    assert not marker.exists()
    (only,) = read_records(tmp_path / "logs" / f"{task_id}.jsonl")
    assert isinstance(only, StatusRecord)
    assert (only.seq, only.state, only.exit_code) == (1, State.REVOKED, None)
    assert only.log == "cancelled by api at 2026-01-02T03:04:05Z before it started"
    assert outcome.state == State.REVOKED


def test_sigterm_comes_first_and_sigkill_only_after_the_grace_period(
    tmp_path: Path, cancel: PipeCancel
) -> None:
    logs = tmp_path / "logs"
    cmd = "trap 'echo got TERM' TERM; echo ready; while :; do sleep 0.05; done"
    outcome, records, took = run_and_fire(
        cmd, logs, lambda: "ready" in _all_output(logs), cancel, kill_grace=0.5
    )
    assert "got TERM\n" in output(records, STDOUT)  # it had SIGTERM, and ignored it
    assert (outcome.state, outcome.exit_code) == (State.REVOKED, 128 + signal.SIGKILL)
    assert took >= 0.5  # the grace period was given (behaviour, not speed)
    assert took < HANG_GUARD  # the loop that ignores SIGTERM would otherwise run for ever


def test_a_process_that_escaped_the_tree_and_holds_the_pipe_does_not_hold_the_task(
    tmp_path: Path, cancel: PipeCancel
) -> None:
    # setsid forks (its parent exits at once), so the sleeper is no descendant of the shell
    # and outside its group: the kill cannot find it, but it keeps stdout open.
    pids = tmp_path / "pids"
    cmd = f"setsid --fork sh -c 'echo $$ > {pids}; exec sleep 60'; echo ready; sleep 60"
    logs = tmp_path / "logs"
    try:
        outcome, _, took = run_and_fire(
            cmd, logs, lambda: "ready" in _all_output(logs), cancel, kill_grace=0.3
        )
    finally:
        escaped = pids_in(pids, 1)[0]
        os.kill(escaped, signal.SIGKILL)
    assert outcome.state == State.REVOKED
    assert took < HANG_GUARD  # grace + settle, not the escaped sleeper's 60 s


def test_timeout_kills_the_tree_and_fails_the_task(tmp_path: Path) -> None:
    task_id = str(uuid.uuid4())
    started = time.monotonic()
    outcome = execute(
        task_id, "echo start; sleep 300 & echo $!; sleep 300", tmp_path, timeout=0.5, kill_grace=2
    )
    took = time.monotonic() - started
    records = read_records(tmp_path / f"{task_id}.jsonl")
    start, background = output(records, STDOUT).split()
    assert start == "start"
    assert not alive(int(background))
    assert (final(records).state, final(records).exit_code) == (State.FAILURE, 143)
    assert final(records).log == "timed out after 0.5 s"
    assert outcome == Outcome(State.FAILURE, 143, "timed out after 0.5 s")
    assert took >= 0.5  # not before its timeout (behaviour, not speed)
    assert took < HANG_GUARD  # the timeout, not the command's 300 s


def test_timeout_reaches_a_shell_that_closed_its_pipes(tmp_path: Path) -> None:
    task_id = str(uuid.uuid4())
    outcome = execute(task_id, "exec >/dev/null 2>&1; sleep 300", tmp_path, timeout=0.3)
    assert (outcome.state, outcome.exit_code) == (State.FAILURE, 143)


def test_a_command_that_ends_in_time_is_not_touched_by_its_timeout(tmp_path: Path) -> None:
    outcome = execute(str(uuid.uuid4()), "echo quick", tmp_path, timeout=30)
    assert outcome == Outcome(State.SUCCESS, 0, "exited with code 0")


@pytest.mark.parametrize("timeout", [0, -1, float("nan"), "10", True])
def test_invalid_timeout_fails_without_running_the_command(tmp_path: Path, timeout: object) -> None:
    marker = tmp_path / "ran"
    task_id = str(uuid.uuid4())
    outcome = execute(task_id, f"touch {marker}", tmp_path / "logs", timeout=timeout)  # type: ignore[arg-type]
    assert (outcome.state, outcome.exit_code) == (State.FAILURE, None)
    assert "invalid timeout" in outcome.message
    assert not marker.exists()
    assert len(read_records(tmp_path / "logs" / f"{task_id}.jsonl")) == 1


def _all_output(logs: Path) -> str:
    """Everything any task in ``logs`` printed so far."""
    return "".join(
        output(read_records(path), STDOUT) for path in logs.glob("*.jsonl") if path.stat().st_size
    )
