"""``JOBLOOK_WEB_PROCESSES=2``: one ``joblook web`` serving from two processes on one port, each
serving connections, telling every viewer everything, counting metrics together, replaced when
one dies; and a port in use refused with a clear error."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
import requests

from tests.integration.test_socketio import Subscription
from tests.support.processes import JOBLOOK
from tests.support.stack import Stack, running_stack, seqs_of
from tests.support.waiting import wait_for

PROCESSES = 2
SLOW_COUNT = "for i in $(seq 1 150); do echo line $i; sleep 0.01; done"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    env = {"JOBLOOK_WEB_PROCESSES": str(PROCESSES)}
    with running_stack(tmp_path_factory.mktemp("web-processes"), env) as stack:
        yield stack


def _serving(stack: Stack) -> list[psutil.Process]:
    """The web's serving processes: the children of the process the stack started."""
    web = {s.name: s for s in stack.services}["web"]
    assert web.proc is not None
    return psutil.Process(web.proc.pid).children()


def _port(stack: Stack) -> int:
    return int(stack.base_url.rsplit(":", 1)[1])


def test_the_web_serves_from_as_many_processes_as_it_was_given(stack: Stack) -> None:
    serving = _serving(stack)
    assert len(serving) == PROCESSES
    assert all("web" in p.cmdline() for p in serving)


def test_concurrent_clients_are_served_by_every_process(stack: Stack) -> None:
    """8 kept-alive clients sending at once: each process holds some of their connections."""
    serving = _serving(stack)
    held: dict[int, int] = {p.pid: 0 for p in serving}
    stop = threading.Event()
    port = _port(stack)

    def client() -> None:
        with requests.Session() as session:
            for _ in range(40):
                session.post(stack.url("/enqueue"), json={"cmd": "true"}, timeout=10)
            stop.wait(10)  # keep the connection open until the counting is done

    threads = [threading.Thread(target=client) for _ in range(8)]
    for thread in threads:
        thread.start()
    try:

        def counted() -> bool:
            for p in serving:
                mine = [
                    c
                    for c in p.net_connections(kind="tcp")
                    if c.status == psutil.CONN_ESTABLISHED and c.laddr.port == port
                ]
                held[p.pid] = max(held[p.pid], len(mine))
            return sum(held.values()) >= 8

        wait_for(counted, 20, "the 8 clients' connections")
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
    assert all(n > 0 for n in held.values()), f"connections per process: {held}"


def test_viewers_on_any_process_get_every_line_in_order(stack: Stack) -> None:
    """Four viewers (on new connections, so on both processes) watch one task live."""
    task_id = stack.enqueue(SLOW_COUNT)
    subscriptions = [Subscription() for _ in range(4)]
    with (
        stack.socket_client() as a,
        stack.socket_client() as b,
        stack.socket_client() as c,
        stack.socket_client() as d,
    ):
        for client, received in zip((a, b, c, d), subscriptions, strict=True):
            client.on("log", received.on_log)
            client.on("status", received.on_status)
            assert client.call("subscribe", {"task_id": task_id}, timeout=10) == {"ok": True}
        for received in subscriptions:
            wait_for(lambda r=received: r.final_status, 30, "the final status on every viewer")
    last_seq = stack.permlog(task_id)["last_seq"]
    for received in subscriptions:
        assert seqs_of(received.records) == list(range(1, last_seq + 1))
        assert received.final_status is not None
        assert received.final_status["state"] == "SUCCESS"


def test_long_polling_is_refused_with_a_400_that_says_why(stack: Stack) -> None:
    reply = requests.get(stack.url("/socket.io/?EIO=4&transport=polling"), timeout=10)
    assert reply.status_code == 400
    assert "transport" in reply.text.lower()


def test_metrics_count_every_process_whichever_answers(stack: Stack) -> None:
    task_id = stack.enqueue("seq 1 300")
    stack.wait_finished(task_id)
    stack.wait_shipped(task_id)
    stored = len(stack.permlog(task_id)["records"])

    def received() -> float:
        with requests.Session() as fresh:  # a new connection: it may reach either process
            fresh.headers.update(stack.http.headers)
            text = fresh.get(stack.url("/metrics"), timeout=10).text
        for line in text.splitlines():
            if line.startswith('joblook_sync_records_total{outcome="stored"}'):
                return float(line.split()[-1])
        raise AssertionError("no joblook_sync_records_total in /metrics")

    seen = {received() for _ in range(12)}
    assert len(seen) == 1, f"scrapes disagree: {sorted(seen)}"
    assert seen.pop() >= stored


def test_a_killed_process_is_replaced_and_the_api_keeps_answering(stack: Stack) -> None:
    victim = _serving(stack)[0]
    victim.send_signal(signal.SIGKILL)
    victim.wait(10)

    def replaced() -> bool:
        now = _serving(stack)
        return len(now) == PROCESSES and victim.pid not in {p.pid for p in now}

    wait_for(replaced, 30, "the killed web process to be replaced")
    for _ in range(10):  # new connections reach both, the new one included
        with requests.Session() as fresh:
            fresh.headers.update(stack.http.headers)
            task_id = fresh.post(stack.url("/enqueue"), json={"cmd": "echo again"}, timeout=10)
            assert task_id.status_code == 202
    assert stack.wait_finished(task_id.json()["task_id"])["state"] == "SUCCESS"


def test_a_second_web_on_a_port_in_use_exits_with_a_clear_error(stack: Stack) -> None:
    web = {s.name: s for s in stack.services}["web"]
    env = {**web.env, "JOBLOOK_WEB_PROCESSES": "1"}
    done = subprocess.run(
        [*JOBLOOK, "web"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 1
    assert f"cannot listen on 127.0.0.1:{_port(stack)}" in done.stderr
    assert "in use" in done.stderr
    assert len(_serving(stack)) == PROCESSES  # the running web is untouched


def test_stopping_the_web_stops_every_process(tmp_path: Path) -> None:
    with running_stack(tmp_path, {"JOBLOOK_WEB_PROCESSES": str(PROCESSES)}) as own:
        web = {s.name: s for s in own.services}["web"]
        assert web.proc is not None
        serving = _serving(own)
        assert len(serving) == PROCESSES
        os.kill(web.proc.pid, signal.SIGTERM)  # the parent alone, as a supervisor would
        assert web.proc.wait(20) == 0
        _, alive = psutil.wait_procs(serving, timeout=5)
        assert not alive, f"still running: {[p.pid for p in alive]}"
