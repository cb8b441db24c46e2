"""A signal whose handler raises stops a running task at once, and loses none of its output."""

from __future__ import annotations

import itertools
import selectors
import signal
import subprocess
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from joblook.record import State
from joblook.worker.chunker import Chunker
from joblook.worker.logfile import TaskLogWriter
from joblook.worker.pump import OutputPump
from joblook.worker.runner import execute
from tests.support.waiting import once
from tests.unit.worker.test_log_cap import CAP, SEQ_100K, head_and_tail, text
from tests.unit.worker.test_runner import final, read_records


class Interrupted(Exception):
    """Stands in for a shutdown or a soft time limit, raised by a signal handler."""


@pytest.fixture
def interrupting() -> Iterator[None]:
    """SIGUSR1's handler raises Interrupted (SIGALRM is pytest-timeout's)."""

    def interrupt(signum: int, frame: object) -> None:
        raise Interrupted

    previous = signal.signal(signal.SIGUSR1, interrupt)
    yield
    signal.signal(signal.SIGUSR1, previous)


@pytest.mark.usefixtures("interrupting")
def test_a_signal_that_interrupts_no_system_call_still_stops_a_quiet_command(
    tmp_path: Path,
) -> None:
    # Sent to the helper thread itself: its C-level handler runs there, so the main thread's
    # select() is not interrupted, just as when the signal lands a moment before select() starts.
    # Sent once the command's first line is logged: the supervisor is waiting, not starting.
    task_id = str(uuid.uuid4())
    log_file = tmp_path / "logs" / f"{task_id}.jsonl"

    def ready_logged() -> bool:
        return log_file.exists() and "ready" in text(read_records(log_file))

    def signal_this_thread() -> None:
        signal.pthread_kill(threading.get_ident(), signal.SIGUSR1)

    with (
        once(ready_logged, "ready to be logged", signal_this_thread),
        pytest.raises(Interrupted),
    ):
        execute(task_id, "echo ready; sleep 30", tmp_path / "logs", kill_grace=1)
    status = final(read_records(log_file))
    assert status.log == "interrupted (Interrupted); killed by signal SIGTERM"


@pytest.mark.usefixtures("interrupting")
def test_a_signal_during_a_read_is_handled_once_that_output_is_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    main, reads, feed = threading.get_ident(), itertools.count(1), Chunker.feed

    def feed_after_a_signal(chunker: Chunker, data: bytes) -> list[str]:
        if next(reads) == 5:  # os.read has returned: these bytes are nowhere else
            signal.pthread_kill(main, signal.SIGUSR1)
        return feed(chunker, data)

    monkeypatch.setattr(Chunker, "feed", feed_after_a_signal)
    task_id = str(uuid.uuid4())
    proc = subprocess.Popen(["seq", "1", "100000"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    interruptions = 0
    with (
        proc,
        TaskLogWriter(tmp_path, task_id, CAP) as log,
        selectors.DefaultSelector() as selector,
    ):
        pump = OutputPump(proc, log, selector, pause_flush=0.1)
        while pump.open:  # the supervisor's loop, carrying on after the interruption
            try:
                for key, _ in selector.select():
                    pump.read(key)
            except Interrupted:
                interruptions += 1
        log.write_status(State.SUCCESS, 0)
    assert interruptions == 1
    head_and_tail(read_records(tmp_path / f"{task_id}.jsonl"), SEQ_100K)
