"""A viewer that stops reading, against the real web: it costs the web about one window of memory,
the other viewers do not wait for it, and once it reads again it gets every record once, in order.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import psutil
import pytest

from tests.support.rawviewer import RawViewer
from tests.support.stack import Stack, running_stack, seqs_of
from tests.support.waiting import wait_for

LINES = 40_000
LINE_BYTES = 1000  # about 40 MB of records: far more than the kernel's socket buffers hold
# The web may hold about one window (JOBLOOK_FEED_EVENT_BYTES, 1 MiB) plus one event for the
# stalled viewer; queueing the whole log for it grew the web by 78 MiB. The rest is the heap the
# other viewer's reads leave behind: 5 MiB on a quiet machine, 4-7 MiB at load 15-20. (The 25-40
# MiB once seen on busy machines was a /sync batch sent again to the restarted web: see below.)
RSS_GROWTH_LIMIT = 40 * 1024 * 1024
# A hang guard, not a speed claim: the other viewer must finish while this one still stalls.
OTHERS_DONE_WITHIN = 60


def _web_rss(stack: Stack) -> int:
    assert stack.web.proc is not None
    return int(psutil.Process(stack.web.proc.pid).memory_info().rss)


def _has_all(viewer: RawViewer, last_seq: int) -> bool:
    return bool(viewer.records) and viewer.records[-1]["seq"] == last_seq


def _subscribe(viewer: RawViewer, task_id: str) -> None:
    assert viewer.reply(viewer.emit("subscribe", {"task_id": task_id}), 10) == {"ok": True}


@pytest.fixture(scope="module")
def quiet_web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack of its own, whose web this module restarts at will."""
    with running_stack(tmp_path_factory.mktemp("slow-viewer")) as running:
        yield running


def test_a_viewer_that_stops_reading_costs_a_window_and_holds_up_no_one(quiet_web: Stack) -> None:
    stack = quiet_web
    task_id = stack.enqueue(f"yes {'x' * (LINE_BYTES - 1)} | head -n {LINES}")
    # Not wait_finished: its permlog replies would grow the web by the size of the log. And not
    # only the task's state: a web restarted before it answered the shipper's last /sync would get
    # that batch again, and parse and index it while the viewers are measured (30-50 MiB more).
    stack.wait_shipped(task_id)
    stored = stack.task(task_id)
    assert stored["state"] == "SUCCESS"
    # The seq of the final status record. Not LINES + 2: on a busy machine a read of the pipe
    # can end inside a line, which then takes two records (40,005 records for 40,000 lines seen).
    last = stored["records"]
    # A web that took the log in through /sync has that much free heap to reuse, which would hide
    # a queue growing in it: measure a fresh one.
    stack.web.stop()
    stack.web.start()
    stack.wait_ready()
    slow, other = RawViewer(stack.base_url), RawViewer(stack.base_url)
    try:
        before = _web_rss(stack)
        _subscribe(slow, task_id)  # and from here it reads nothing while the web sends it the log
        _subscribe(other, task_id)
        reader = threading.Thread(
            target=other.read_until, args=(lambda: _has_all(other, last), OTHERS_DONE_WITHIN)
        )
        reader.start()
        reader.join()
        assert _has_all(other, last), len(other.records)
        stalled = _web_rss(stack)  # what the web queued for the slow viewer, it holds by now
        slow.read_until(lambda: _has_all(slow, last), 120)
    finally:
        slow.close()
        other.close()
    print(f"\nweb RSS {before / 2**20:.1f} MiB, {stalled / 2**20:.1f} MiB with a viewer stalled")
    assert stalled - before < RSS_GROWTH_LIMIT, (before, stalled)
    final = stack.permlog(task_id)
    assert other.records == final["records"]
    assert seqs_of(slow.records) == list(range(1, last + 1))
    assert slow.records == final["records"]
    assert slow.acks_sent > 0  # it was asked along the way, and had to answer to get the rest


@pytest.fixture(scope="module")
def small_window(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack whose viewers must acknowledge every 2 KiB (events of at most 4 KiB)."""
    env = {"JOBLOOK_FEED_EVENT_BYTES": "4096"}
    with running_stack(tmp_path_factory.mktemp("small-window"), extra_env=env) as running:
        yield running


def test_a_python_socketio_client_acknowledges_by_itself_and_gets_everything(
    small_window: Stack,
) -> None:
    task_id = small_window.enqueue("seq 1 3000")
    final = small_window.wait_finished(task_id)
    received: list[dict[str, Any]] = []
    with small_window.socket_client() as client:
        client.on("log", lambda data: received.extend(data["records"]))
        assert client.call("subscribe", {"task_id": task_id}, timeout=10) == {"ok": True}
        wait_for(lambda: len(received) >= len(final["records"]), 30, "every record")
    assert received == final["records"]  # about 100 KB: some fifty acknowledgements on the way
