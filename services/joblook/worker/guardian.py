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

import os
import sys
from pathlib import Path

from joblook.worker.killing import kill_tree

RELEASE = b"x\n"
"""What the worker writes when its task ended normally: one line, for the waiting shell."""


def main(argv: list[str]) -> int:
    session, log_file, grace = int(argv[0]), Path(argv[1]), float(argv[2])
    if os.read(0, len(RELEASE)) == RELEASE:
        return 0
    kill_tree(session, grace)
    _end_log(log_file)
    return 0


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


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
