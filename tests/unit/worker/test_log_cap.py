"""JOBLOOK_MAX_LOG_BYTES: past the cap, a task's log keeps its head, its tail, a marker between."""

from __future__ import annotations

import itertools
import re
import signal
import threading
import uuid
from pathlib import Path

import pytest

from joblook.record import STATUS, STDERR, STDOUT, OutputRecord, State, StatusRecord
from joblook.settings import DEFAULT_MAX_LOG_BYTES, Settings, SettingsError
from joblook.taskqueue import RUN_TASK
from joblook.worker import logfile
from joblook.worker.app import worker_celery
from joblook.worker.logcap import elision_marker
from joblook.worker.logfile import TaskLogWriter
from joblook.worker.runner import Outcome, execute
from joblook.worker.tasks import MAX_LOG_BYTES_KEY
from tests.support.waiting import once
from tests.unit.worker.test_runner import PY, final, read_records
from tests.unit.worker.test_runner_limits import PipeCancel

CAP = 10 * 1024
MARKER = re.compile(r"\n?\[joblook: (\d+) bytes elided\]\n")
SEQ_100K = "".join(f"{i}\n" for i in range(1, 100_001))
Records = list[OutputRecord | StatusRecord]


def text(records: Records) -> str:
    return "".join(r.log for r in records if isinstance(r, OutputRecord))


def capped(cmd: str, logs_dir: Path, **limits: object) -> tuple[Outcome, Records]:
    """Run ``cmd`` under a ``CAP``-byte log cap; its outcome and records (seq checked)."""
    task_id = str(uuid.uuid4())
    outcome = execute(task_id, cmd, logs_dir, max_log_bytes=CAP, **limits)  # type: ignore[arg-type]
    records = read_records(logs_dir / f"{task_id}.jsonl")
    assert [r.seq for r in records] == list(range(1, len(records) + 1))
    return outcome, records


def head_and_tail(records: Records, real: str, cap: int = CAP) -> tuple[str, str]:
    """Check the output is ``real``'s head, one exact stdout marker, then ``real``'s tail."""
    (at,) = [i for i, r in enumerate(records) if r.stream != STATUS and MARKER.fullmatch(r.log)]
    assert records[at].stream == STDOUT
    head, tail = text(records[:at]), text(records[at + 1 :])
    assert real.startswith(head)
    assert real.endswith(tail)
    kept = len(head.encode()) + len(tail.encode())
    assert kept <= cap
    elided = MARKER.fullmatch(records[at].log).group(1)  # type: ignore[union-attr]
    assert int(elided) == len(real.encode()) - kept
    return head, tail


def test_output_past_the_cap_keeps_head_marker_and_tail_and_the_task_succeeds(
    tmp_path: Path,
) -> None:
    outcome, records = capped("seq 1 100000", tmp_path)
    assert outcome == Outcome(State.SUCCESS, 0, "exited with code 0")
    assert (records[0].stream, final(records).state) == (STATUS, State.SUCCESS)
    head, tail = head_and_tail(records, SEQ_100K)
    assert head.startswith("1\n2\n") and tail.endswith("99999\n100000\n")
    assert CAP - len("100000\n") < len(head) + len(tail)  # both budgets used, to a line
    assert head.endswith("\n") and SEQ_100K[-len(tail) - 1] == "\n"  # cut between lines


def test_stdout_and_stderr_count_together_against_one_cap(tmp_path: Path) -> None:
    each = "".join(f"{i}\n" for i in range(1, 2001))  # 8,893 bytes: each alone is under the cap
    _, records = capped("seq 1 2000; seq 1 2000 >&2", tmp_path)
    (marker,) = [r for r in records if MARKER.fullmatch(r.log) and r.stream == STDOUT]
    kept = len(text(records)) - len(marker.log)
    assert kept <= CAP
    assert marker.log == elision_marker(2 * len(each) - kept)
    assert {STDOUT, STDERR} <= {r.stream for r in records}


@pytest.mark.parametrize("lines", [1000, 2000], ids=["under-half-the-cap", "under-the-cap"])
def test_output_under_the_cap_is_untouched(tmp_path: Path, lines: int) -> None:
    outcome, records = capped(f"seq 1 {lines}", tmp_path)
    assert outcome.state == State.SUCCESS
    assert text(records) == "".join(f"{i}\n" for i in range(1, lines + 1))
    assert not any(MARKER.search(r.log) for r in records)


def test_while_eliding_only_the_head_is_written_and_a_cancel_still_writes_the_tail(
    tmp_path: Path,
) -> None:
    done, cancel, seen_live = tmp_path / "done", PipeCancel(), []

    def cancel_with_the_head_seen_live() -> None:
        try:
            seen_live.extend(read_records(next((tmp_path / "logs").glob("*.jsonl"))))
        finally:
            cancel.fire()  # whatever happened: the task waits for it (sleep 300)

    try:
        with once(done.exists, "seq to finish", cancel_with_the_head_seen_live):
            cmd = f"seq 1 100000; touch {done}; sleep 300"
            outcome, records = capped(cmd, tmp_path / "logs", cancel=cancel, kill_grace=1)
    finally:
        cancel.close()
    assert outcome.state == State.REVOKED
    assert SEQ_100K.startswith(text(seen_live)) and len(text(seen_live)) <= CAP // 2
    head, tail = head_and_tail(records, SEQ_100K)
    assert head == text(seen_live)
    assert tail.endswith("\n100000\n")


def test_a_timeout_still_writes_the_marker_and_the_tail(tmp_path: Path) -> None:
    outcome, records = capped("seq 1 100000; sleep 300", tmp_path, timeout=1.0, kill_grace=1)
    assert (outcome.state, outcome.message) == (State.FAILURE, "timed out after 1 s")
    _, tail = head_and_tail(records, SEQ_100K)
    assert tail.endswith("\n100000\n")
    assert final(records).state == State.FAILURE


class Interrupted(Exception):
    """Stands in for a shutdown arriving while the command runs."""


def test_an_interrupted_task_still_writes_the_marker_and_the_tail(tmp_path: Path) -> None:
    def interrupt(signum: int, frame: object) -> None:
        raise Interrupted

    done, main = tmp_path / "done", threading.main_thread().ident
    assert main is not None
    # SIGUSR1, not SIGALRM: pytest-timeout's alarm must not turn a hang into an Interrupted pass.
    previous = signal.signal(signal.SIGUSR1, interrupt)
    try:
        # At the main thread: the one in select(), which must wake for it (signals.py).
        with (
            once(done.exists, "seq to finish", lambda: signal.pthread_kill(main, signal.SIGUSR1)),
            pytest.raises(Interrupted),
        ):
            capped(f"seq 1 100000; touch {done}; sleep 300", tmp_path, kill_grace=1)
    finally:
        signal.signal(signal.SIGUSR1, previous)
    (path,) = tmp_path.glob("*.jsonl")
    records = read_records(path)
    _, tail = head_and_tail(records, SEQ_100K)
    assert tail.endswith("\n100000\n")
    assert "Interrupted" in final(records).log


def test_a_line_longer_than_the_cap_keeps_its_last_bytes(tmp_path: Path) -> None:
    real = "x" * 100_000
    _, records = capped(f"{PY} -c \"import sys; sys.stdout.write('x' * 100_000)\"", tmp_path)
    head, tail = head_and_tail(records, real)
    assert len(head) + len(tail) == CAP  # ASCII: cut to the byte
    assert len(tail) >= CAP // 2


TASK_ID = "5f0c8a1e-2b4d-4c6e-8f10-1a2b3c4d5e6f"


def written(logs_dir: Path) -> Records:
    return read_records(logs_dir / f"{TASK_ID}.jsonl")


def test_sizes_are_utf8_bytes_and_a_cut_never_splits_a_character(tmp_path: Path) -> None:
    with TaskLogWriter(tmp_path / "lines", TASK_ID, max_log_bytes=100) as log:
        for _ in range(10):
            log.write_output(STDOUT, ["é\n"] * 10)  # 3 bytes each: 20 characters, 30 bytes
        log.write_status(State.SUCCESS, 0)
    head, tail = head_and_tail(written(tmp_path / "lines"), "é\n" * 100, cap=100)
    assert (len(head), len(tail)) == (2 * 16, 2 * 17)
    with TaskLogWriter(tmp_path / "euro", TASK_ID, max_log_bytes=10) as log:
        log.write_output(STDOUT, ["€" * 100])  # 300 bytes, one chunk
        log.write_status(State.SUCCESS, 0)
    assert text(written(tmp_path / "euro")) == elision_marker(291) + "€€€"


def test_the_tail_keeps_streams_chunks_and_times_and_waits_for_the_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = (f"2026-01-01T00:00:0{n}.000000Z" for n in itertools.count())
    monkeypatch.setattr(logfile, "timestamp", lambda: next(clock))
    with TaskLogWriter(tmp_path, TASK_ID, max_log_bytes=40) as log:
        log.write_output(STDOUT, ["head\n"])  # 5 of the 20-byte head budget
        log.write_output(STDERR, ["0123456789abcdef\n"])  # past it: held, later elided
        log.write_output(STDOUT, ["part", "ial\n"])  # "part" elided too
        log.write_output(STDOUT, ["more\n"])
        log.write_output(STDERR, ["x" * 24 + "\n"])
        assert text(written(tmp_path)) == "head\n"
        log.write_status(State.SUCCESS, 0)
    tail = [(r.stream, r.log, r.time[18]) for r in written(tmp_path)[1:-1]]
    assert tail == [
        (STDOUT, elision_marker(17 + 4), "2"),
        (STDOUT, "ial\n", "2"),
        (STDOUT, "more\n", "3"),
        (STDERR, "x" * 24 + "\n", "4"),
    ]


def test_the_marker_starts_a_fresh_line_after_a_partial_one(tmp_path: Path) -> None:
    with TaskLogWriter(tmp_path, TASK_ID, max_log_bytes=20) as log:
        log.write_output(STDOUT, ["abc"])
        log.write_output(STDOUT, ["y" * 30 + "\n"])
        log.write_status(State.FAILURE, 1)
    assert text(written(tmp_path)) == "abc\n" + elision_marker(14) + "y" * 16 + "\n"


def test_closing_without_a_terminal_status_still_writes_the_tail(tmp_path: Path) -> None:
    with TaskLogWriter(tmp_path, TASK_ID, max_log_bytes=10) as log:
        log.write_output(STDOUT, [f"{i}\n" for i in range(10)])
    assert text(written(tmp_path)) == "0\n1\n" + elision_marker(10) + "7\n8\n9\n"


def test_max_log_bytes_defaults_to_256_mib_and_zero_means_the_default() -> None:
    assert Settings.from_env({}).max_log_bytes == DEFAULT_MAX_LOG_BYTES == 268_435_456
    assert Settings.from_env({"JOBLOOK_MAX_LOG_BYTES": "0"}).max_log_bytes == DEFAULT_MAX_LOG_BYTES
    assert Settings.from_env({"JOBLOOK_MAX_LOG_BYTES": "1048576"}).max_log_bytes == 1 << 20


@pytest.mark.parametrize("raw", ["-1", "lots", "1.5", "1MiB", "1e6"])
def test_bad_max_log_bytes_is_a_settings_error_naming_the_variable(raw: str) -> None:
    with pytest.raises(SettingsError, match="JOBLOOK_MAX_LOG_BYTES"):
        Settings.from_env({"JOBLOOK_MAX_LOG_BYTES": raw})


def test_the_task_caps_its_log_at_the_configured_size(tmp_path: Path, redis_url: str) -> None:
    env = {"JOBLOOK_DATA_DIR": str(tmp_path), "REDIS_URL": redis_url}
    app = worker_celery(Settings.from_env(env | {"JOBLOOK_MAX_LOG_BYTES": str(CAP)}))
    assert app.conf[MAX_LOG_BYTES_KEY] == CAP
    task_id = str(uuid.uuid4())
    assert app.tasks[RUN_TASK].apply(args=["seq 1 100000"], task_id=task_id).get() == {
        "exit_code": 0
    }
    head_and_tail(read_records(tmp_path / "logs" / f"{task_id}.jsonl"), SEQ_100K)
