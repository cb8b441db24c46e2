"""The live feed: every subscriber gets every seq after its cursor once, in order."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

import orjson
import pytest

from joblook import record
from joblook.record import OutputRecord, State
from joblook.store.logstore import LogStore
from joblook.web.acks import AckWindow
from joblook.web.feed import LiveFeed
from tests.support.waiting import wait_for

TASK = "5f2b8a1e-3c4d-4e5f-8a9b-0c1d2e3f4a5b"


class Recorder:
    """Stands in for Socket.IO's emit: what each sid was sent, in order. Each sid acknowledges at
    once when asked, except those in ``withheld`` until ``acknowledge(sid)``."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seqs: dict[str, list[int]] = defaultdict(list)
        self.events: dict[str, list[tuple[str, Any]]] = defaultdict(list)
        self.asked: dict[str, int] = defaultdict(int)  # acknowledgement requests per sid
        self.withheld: set[str] = set()
        self._unanswered: dict[str, list[Callable[..., None]]] = defaultdict(list)

    def emit(
        self, event: str, data: Any, sids: list[str], callback: Callable[..., None] | None = None
    ) -> None:
        data = orjson.loads(orjson.dumps(data))  # as a client reads it (records go pre-encoded)
        with self.lock:
            for sid in sids:
                self.events[sid].append((event, data))
                if event == "log":
                    self.seqs[sid].extend(r["seq"] for r in data["records"])
                if callback is not None:
                    self.asked[sid] += 1
                    self._unanswered[sid].append(callback)
        for sid in sids:
            if sid not in self.withheld:
                self.acknowledge(sid)

    def acknowledge(self, sid: str) -> None:
        """``sid`` acknowledges every event it was asked to (as a client's handler returns)."""
        with self.lock:
            callbacks, self._unanswered[sid] = self._unanswered[sid], []
        for callback in callbacks:
            callback()


def spawn(target: Callable[[], None]) -> threading.Thread:
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def feed(store: LogStore, recorder: Recorder) -> Iterator[LiveFeed]:
    live = LiveFeed(store, recorder.emit, spawn)
    live.start()
    yield live
    live.close()


def out(first: int, last: int) -> list[OutputRecord]:
    stamp = record.timestamp()
    return [OutputRecord(TASK, s, stamp, record.STDOUT, f"{s}\n") for s in range(first, last + 1)]


def test_a_subscriber_gets_the_backlog_then_live_records_without_gap_or_repeat(
    store: LogStore, feed: LiveFeed, recorder: Recorder
) -> None:
    store.append(out(1, 100))
    feed.subscribe("a", TASK, after_seq=40)
    wait_for(lambda: len(recorder.seqs["a"]) == 60, 5, "the backlog")
    for first in range(101, 1001, 50):
        store.append(out(first, first + 49))
    wait_for(lambda: len(recorder.seqs["a"]) >= 960, 5, "the live records")
    assert recorder.seqs["a"] == list(range(41, 1001))


def test_subscribers_at_different_cursors_each_get_their_own_remainder(
    store: LogStore, feed: LiveFeed, recorder: Recorder
) -> None:
    store.append(out(1, 12_000))  # more than one BATCH for the subscriber starting at 0
    feed.subscribe("zero", TASK, after_seq=0)
    feed.subscribe("late", TASK, after_seq=11_990)
    wait_for(lambda: len(recorder.seqs["zero"]) == 12_000, 10, "the full backlog")
    store.append(out(12_001, 12_010))
    wait_for(lambda: recorder.seqs["late"][-1:] == [12_010], 5, "the live tail")
    assert recorder.seqs["zero"][:12_000] == list(range(1, 12_001))
    assert recorder.seqs["late"] == list(range(11_991, 12_011))


def test_a_status_event_follows_the_log_event_that_carries_its_record(
    store: LogStore, feed: LiveFeed, recorder: Recorder
) -> None:
    feed.subscribe("a", TASK, after_seq=0)
    store.append([*out(1, 3), record.status(TASK, 4, State.SUCCESS, 0)])
    wait_for(lambda: len(recorder.events["a"]) >= 2, 5, "log and status events")
    (log_event, log_data), (status_event, status_data) = recorder.events["a"][-2:]
    assert log_event == "log"
    assert [r["seq"] for r in log_data["records"]][-1] == 4
    assert status_event == "status"
    end = log_data["records"][-1]["time"]
    assert status_data == {"task_id": TASK, "state": "SUCCESS", "exit_code": 0, "time": end}


def test_an_unsubscribed_client_is_sent_nothing_more(
    store: LogStore, feed: LiveFeed, recorder: Recorder
) -> None:
    feed.subscribe("a", TASK, after_seq=0)
    store.append(out(1, 5))
    wait_for(lambda: len(recorder.seqs["a"]) == 5, 5, "the first records")
    feed.drop("a")
    store.append(out(6, 10))
    feed.subscribe("b", TASK, after_seq=5)  # proves the new records were delivered to someone
    wait_for(lambda: len(recorder.seqs["b"]) == 5, 5, "the second subscriber")
    assert recorder.seqs["a"] == [1, 2, 3, 4, 5]
    assert feed.subscriber_count() == 1


def test_a_subscriber_that_has_not_acknowledged_is_held_back_then_gets_what_waited_in_one_event(
    store: LogStore, recorder: Recorder
) -> None:
    recorder.withheld.add("slow")
    # A one-byte window: every event asks for an acknowledgement and holds its sid until then.
    live = LiveFeed(store, recorder.emit, spawn, window=AckWindow(limit=1))
    live.start()
    try:
        live.subscribe("slow", TASK, after_seq=0)
        live.subscribe("fast", TASK, after_seq=0)
        store.append(out(1, 1))
        wait_for(lambda: recorder.seqs["slow"] == [1], 5, "the slow subscriber's first event")
        for seq in range(2, 21):
            store.append(out(seq, seq))
        wait_for(lambda: len(recorder.seqs["fast"]) == 20, 5, "the fast subscriber's records")
        assert recorder.seqs["slow"] == [1]  # nothing more queued for it meanwhile
        recorder.acknowledge("slow")
        wait_for(lambda: len(recorder.seqs["slow"]) == 20, 5, "the slow one to catch up")
    finally:
        live.close()
    assert recorder.seqs["slow"] == list(range(1, 21))
    assert [event for event, _data in recorder.events["slow"]] == ["log", "log"]
    assert recorder.asked["slow"] == 2  # each of its events asked; the fast one answered all 20


def test_a_disconnected_subscriber_s_account_is_forgotten(
    store: LogStore, recorder: Recorder
) -> None:
    recorder.withheld.add("gone")
    window = AckWindow(limit=1)
    live = LiveFeed(store, recorder.emit, spawn, window=window)
    live.start()
    try:
        store.append(out(1, 3))
        live.subscribe("gone", TASK, after_seq=0)
        wait_for(lambda: window.held("gone"), 5, "the unacknowledged event")
        live.drop("gone")
    finally:
        live.close()
    assert (window.held("gone"), window.unconfirmed("gone")) == (False, 0)


def test_closing_the_feed_stops_its_listener_and_pumps(store: LogStore, recorder: Recorder) -> None:
    threads: list[threading.Thread] = []
    live = LiveFeed(store, recorder.emit, lambda target: threads.append(spawn(target)))
    live.start()
    live.subscribe("a", TASK, after_seq=0)
    assert len(threads) == 2  # the listener and this task's pump
    live.close()
    wait_for(lambda: not any(t.is_alive() for t in threads), 5, "the feed threads to end")


# Hang guards, not speed claims (the follow benchmark measures the wake-up): each waiter below is
# given LONG_WAIT, so returning well before it shows what ended the wait.
LONG_WAIT = 60
WELL_BEFORE = LONG_WAIT / 4


def test_a_waiter_returns_at_once_when_the_store_is_already_past_its_seq(
    store: LogStore, feed: LiveFeed
) -> None:
    store.append(out(1, 3))
    started = time.monotonic()
    assert feed.wait_for_append(TASK, after_seq=2, timeout=LONG_WAIT) is True
    assert time.monotonic() - started < WELL_BEFORE  # it did not sit out its timeout


def test_a_waiter_wakes_on_the_next_append_and_times_out_without_one(
    store: LogStore, feed: LiveFeed
) -> None:
    store.append(out(1, 1))
    assert feed.wait_for_append(TASK, after_seq=1, timeout=0.2) is False
    timer = threading.Timer(0.3, lambda: store.append(out(2, 2)))
    timer.start()
    started = time.monotonic()
    assert feed.wait_for_append(TASK, after_seq=1, timeout=LONG_WAIT) is True
    assert time.monotonic() - started < WELL_BEFORE  # the append woke it, not its timeout
    timer.join()


def test_a_status_event_follows_only_a_real_status_record_not_a_line_that_quotes_one(
    store: LogStore, feed: LiveFeed, recorder: Recorder
) -> None:
    stamp = record.timestamp()
    quoted = 'printed: {"stream":"status","state":"SUCCESS"}\n'
    store.append([OutputRecord(TASK, 1, stamp, record.STDOUT, quoted)])
    store.append([record.status(TASK, 2, State.FAILURE, 3)])
    feed.subscribe("a", TASK, after_seq=0)
    wait_for(lambda: len(recorder.seqs["a"]) == 2, 5, "both records")
    wait_for(lambda: len(recorder.events["a"]) >= 2, 5, "the status event")
    statuses = [data for event, data in recorder.events["a"] if event == "status"]
    assert [(s["state"], s["exit_code"]) for s in statuses] == [("FAILURE", 3)]
    logs = [data for event, data in recorder.events["a"] if event == "log"]
    assert logs[0]["records"][0]["log"] == quoted
