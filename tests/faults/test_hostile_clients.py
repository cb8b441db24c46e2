"""Clients without a token, or that never finish a request, cannot stop the web serving others."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.support.stack import Stack, running_stack


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack of its own: these tests try to wedge its web process."""
    with running_stack(tmp_path_factory.mktemp("hostile")) as stack:
        yield stack


def _probe(url: str) -> int:
    return requests.get(url, timeout=60).status_code


def _raw(stack: Stack) -> socket.socket:
    return socket.create_connection(("127.0.0.1", stack.web_port), timeout=10)


def _enqueue_still_runs(stack: Stack) -> None:
    task_id = stack.enqueue("echo still-serving")
    log = stack.wait_finished(task_id)
    assert log["state"] == "SUCCESS"
    assert "still-serving" in "".join(r["log"] for r in log["records"])


def test_a_hundred_concurrent_health_probes_all_answer_and_enqueue_still_works(
    web: Stack,
) -> None:
    with ThreadPoolExecutor(100) as pool:
        statuses = list(pool.map(_probe, [web.url("/healthz")] * 100))
    assert statuses == [200] * 100
    _enqueue_still_runs(web)


def test_slow_header_sockets_that_close_at_once_leave_enqueue_working(web: Stack) -> None:
    sockets = [_raw(web) for _ in range(50)]
    try:
        for sock in sockets:  # a request line and a header, but never the blank line ending them
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    finally:
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_WR)  # the server reads end-of-headers (EOF) now
            sock.close()
    _enqueue_still_runs(web)
