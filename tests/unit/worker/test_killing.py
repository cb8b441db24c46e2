"""The one process-tree kill, used by the runner (cancel, timeout) and by the guardian."""

from __future__ import annotations

import subprocess
import time

from joblook.worker.killing import kill_tree, session_tree
from tests.unit.worker.test_runner import assert_gone


def test_the_tree_holds_an_orphan_of_the_session_and_a_child_that_left_it() -> None:
    # The shell starts a child in a session of its own (found as the shell's child) and a
    # process whose parent exits at once (found by its session, as an orphan), then waits.
    script = "setsid sleep 30 & echo $!; sh -c 'sleep 30 & echo $!'; wait"
    with subprocess.Popen(
        ["/bin/sh", "-c", script], stdout=subprocess.PIPE, start_new_session=True, text=True
    ) as shell:
        assert shell.stdout is not None
        escaped, orphan = int(shell.stdout.readline()), int(shell.stdout.readline())
        try:
            time.sleep(0.2)  # setsid has run, the orphan's parent has exited
            found = {p.pid for p in session_tree(shell.pid)}
            assert {shell.pid, escaped, orphan} <= found
        finally:
            kill_tree(shell.pid, 1.0, shell.poll)
        for pid in (escaped, orphan):
            assert_gone(pid)
        assert shell.poll() is not None
