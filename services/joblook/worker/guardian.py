"""The guardian: a tiny process per running command that outlives a worker killed with kill -9.

A command runs in a session of its own, so it survives its worker's death: nothing would kill it,
and nobody would write its log's last record. The worker therefore starts this guardian beside
each command, with the read end of a pipe as its stdin; the worker alone holds the write end.
When the task ends, the worker writes one byte and the guardian exits. When the worker dies, in
any way, the kernel closes the write end and the guardian reads end of file: it kills the
command's tree (SIGTERM, a grace period, SIGKILL) and ends the task's log with a FAILURE status,
"worker lost", unless a terminal status is already there. The shipper (or Fluentd) carries that
record to the store like any other, in seq order.

Run as ``python -I -m joblook.worker.guardian SESSION LOG_FILE GRACE``. The worker starts it
behind a shell that waits for the release line and only execs Python on end of file, so a task
that ends normally costs a shell's start (about a millisecond), not Python's.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from pathlib import Path

POLL = 0.05
RELEASE = b"x\n"
"""What the worker writes when its task ended normally: one line, for the waiting shell."""


def main(argv: list[str]) -> int:
    session, log_file, grace = int(argv[0]), Path(argv[1]), float(argv[2])
    if os.read(0, len(RELEASE)) == RELEASE:
        return 0
    _kill_tree(session, grace)
    _end_log(log_file)
    return 0


def _kill_tree(session: int, grace: float) -> None:
    """Every process of the command's session and their descendants: TERM, then KILL."""
    members = _tree(session)
    _signal(members, signal.SIGTERM)
    _signal(members, signal.SIGCONT)  # a stopped process acts on SIGTERM only once continued
    deadline = time.monotonic() + grace
    while members and time.monotonic() < deadline:
        time.sleep(POLL)
        members = {pid for pid in members if _running(pid)}
    _signal(members | _tree(session), signal.SIGKILL)


def _end_log(log_file: Path) -> None:
    from joblook.record import State  # noqa: PLC0415  (only on this rare path)
    from joblook.worker.logfile import TaskLogWriter, last_record  # noqa: PLC0415

    if not log_file.exists():
        return
    last = last_record(log_file)
    if last is not None and last.is_terminal:
        return  # the worker wrote its status, then died before it could say so
    task_id = log_file.name.removesuffix(".jsonl")
    message = "worker lost: the worker running this task died; its processes were killed"
    with TaskLogWriter(log_file.parent, task_id) as log:
        log.write_status(State.FAILURE, None, message)
    print(f"joblook guardian: task {task_id}: {message}", file=sys.stderr)


def _tree(session: int) -> set[int]:
    """Processes in ``session`` (or its process group), plus all their descendants."""
    parents: dict[int, int] = {}
    roots: set[int] = set()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(int(entry.name))
        if fields is None or fields[0] == "Z":
            continue
        pid, ppid, group, sid = int(entry.name), int(fields[1]), int(fields[2]), int(fields[3])
        parents[pid] = ppid
        if session in (group, sid):
            roots.add(pid)
    found, frontier = set(roots), set(roots)
    while frontier:
        frontier = {pid for pid, ppid in parents.items() if ppid in frontier} - found
        found |= frontier
    return found


def _stat_fields(pid: int) -> list[str] | None:
    """``/proc/PID/stat`` after the command name: state, ppid, pgrp, session, ..."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw.rpartition(")")[2].split()


def _running(pid: int) -> bool:
    fields = _stat_fields(pid)
    return fields is not None and fields[0] != "Z"


def _signal(pids: set[int], sig: signal.Signals) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
