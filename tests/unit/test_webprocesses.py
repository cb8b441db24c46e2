"""``joblook web``'s supervisor of several web processes, on stand-in children (short Python
one-liners), and its listening socket."""

from __future__ import annotations

import socket
import sys
import threading
import time

import pytest

from joblook import webprocesses
from joblook.webprocesses import PortInUse, Supervisor, bind


def _supervisor(code: str, count: int = 2) -> Supervisor:
    listener = bind("127.0.0.1", 0)
    return Supervisor(count, [sys.executable, "-c", code], {}, listener)


def test_a_child_that_cannot_start_stops_the_web_with_its_exit_code() -> None:
    supervisor = _supervisor("import sys; sys.exit(3)")
    assert supervisor.run() == 3
    assert all(c.proc.poll() is not None for c in supervisor.children.values())


def test_a_child_that_ends_after_running_a_while_is_started_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(webprocesses, "EARLY_EXIT_SECONDS", 0.2)
    monkeypatch.setattr(webprocesses, "RESTART_DELAY_SECONDS", 0.05)
    supervisor = _supervisor("import time; time.sleep(0.5)", count=1)
    started: list[int] = []
    start = supervisor.start

    def counted(number: int) -> None:
        started.append(number)
        start(number)

    monkeypatch.setattr(supervisor, "start", counted)
    threading.Timer(2.0, supervisor.on_signal, args=(15, None)).start()
    assert supervisor.run() == 0  # told to stop
    assert len(started) >= 3  # the first start and at least two restarts
    assert set(started) == {1}


def test_stopping_ends_every_child() -> None:
    supervisor = _supervisor("import time; time.sleep(60)")
    threading.Timer(0.5, supervisor.on_signal, args=(15, None)).start()
    began = time.monotonic()
    assert supervisor.run() == 0
    assert time.monotonic() - began < 10
    assert len(supervisor.children) == 2
    assert all(c.proc.poll() is not None for c in supervisor.children.values())


def test_each_child_is_told_its_number_and_the_socket_it_inherits() -> None:
    code = (
        "import os, socket, sys; "
        "s = socket.socket(fileno=int(os.environ['JOBLOOK_WEB_LISTEN_FD'])); "
        "sys.exit(10 + int(os.environ['JOBLOOK_WEB_PROCESS']) if s.getsockname()[1] else 1)"
    )
    supervisor = _supervisor(code, count=1)
    assert supervisor.run() == 11  # child 1 found a bound socket (and exited early: the code)


def test_binding_a_port_that_is_listened_on_says_so() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        with pytest.raises(PortInUse, match=f"cannot listen on 127.0.0.1:{port}: .*in use"):
            bind("127.0.0.1", port)


def test_a_child_ended_by_sigterm_stops_the_web_rather_than_being_restarted() -> None:
    """A process-group SIGTERM can reach a child before the supervisor itself hears it."""
    code = "import os, signal, time; time.sleep(0.3); os.kill(os.getpid(), signal.SIGTERM)"
    supervisor = _supervisor(code, count=1)
    assert supervisor.run() == 0
    assert supervisor.stopping
