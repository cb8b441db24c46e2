"""A worker's metrics port: counts made in forked pool processes, summed, behind the token."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.support.processes import free_port

# Runs in a process of its own: ``prepare`` switches prometheus_client to multiprocess mode for
# the whole process, which the test process must not be.
PROGRAM = textwrap.dedent(
    """
    import os, sys, time
    from joblook.worker import metrics

    metrics.prepare(sys.argv[1])
    children = []
    for state in ("SUCCESS", "FAILURE"):
        pid = os.fork()
        if pid == 0:  # a pool child runs one command
            with metrics.running() as ended:
                metrics.wrote("stdout", ["héllo\\n", "world\\n"])
                ended(state)
            os._exit(0)
        children.append(pid)
    for pid in children:
        os.waitpid(pid, 0)
        metrics.process_gone(pid)
    hold = os.fork()
    if hold == 0:  # a child still running its command
        with metrics.running():
            time.sleep(60)
        os._exit(0)
    server = metrics.serve("127.0.0.1", int(sys.argv[2]), sys.argv[3])
    print("serving", flush=True)
    time.sleep(30)
    """
)


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_counts_from_every_pool_process_are_summed_behind_the_token(tmp_path: Path) -> None:
    port = free_port()
    argv = [sys.executable, "-c", PROGRAM, str(tmp_path), str(port), "scrape-secret"]
    with subprocess.Popen(
        argv, stdout=subprocess.PIPE, text=True, start_new_session=True
    ) as server:
        try:
            assert server.stdout is not None
            assert server.stdout.readline().strip() == "serving"
            url = f"http://127.0.0.1:{port}/metrics"
            assert requests.get(url, timeout=5).status_code == 401
            wrong = requests.get(url, headers={"Authorization": "Bearer nope"}, timeout=5)
            assert wrong.status_code == 401
            reply = requests.get(url, headers={"Authorization": "Bearer scrape-secret"}, timeout=5)
            assert reply.status_code == 200
            found = samples(reply.text)
        finally:
            os.killpg(server.pid, signal.SIGKILL)  # the server and its still-running child
    ended = "joblook_worker_tasks_ended_total"
    assert found[(ended, (("state", "SUCCESS"),))] == 1
    assert found[(ended, (("state", "FAILURE"),))] == 1
    # Two commands each wrote 7 + 6 bytes ("é" is two in UTF-8).
    assert found[("joblook_worker_output_bytes_total", (("stream", "stdout"),))] == 26
    # The two that ended no longer count; the one still running does.
    assert found[("joblook_worker_tasks_running", ())] == 1
    assert found[("joblook_worker_task_duration_seconds_count", ())] == 2
