"""The live feed's bounds: bytes per event, and what a reader that stopped costs the web."""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

import orjson

from joblook import record
from joblook.record import OutputRecord
from joblook.store.logstore import LogStore
from joblook.web.acks import AckWindow
from joblook.web.feed import MAX_RECHECK_SECONDS, LiveFeed, next_recheck
from tests.support.waiting import wait_for
from tests.unit.web.test_feed import TASK, Recorder, out, spawn

CAP = 64 * 1024


class SizeRecorder(Recorder):
    """Also keeps, per sid, how many records and bytes of records each ``log`` event carried."""

    def __init__(self) -> None:
        super().__init__()
        self.sizes: dict[str, list[tuple[int, int]]] = defaultdict(list)

    def emit(
        self, event: str, data: Any, sids: list[str], callback: Callable[..., None] | None = None
    ) -> None:
        if event == "log":
            size = len(orjson.dumps(data["records"]))  # the stored JSON, as it goes on the wire
            count = len(orjson.loads(orjson.dumps(data["records"])))
            with self.lock:
                for sid in sids:
                    self.sizes[sid].append((count, size))
        super().emit(event, data, sids, callback)


def big(first: int, last: int, size: int) -> list[OutputRecord]:
    stamp = record.timestamp()
    return [
        OutputRecord(TASK, s, stamp, record.STDOUT, f"{s:08d}" + "x" * size + "\n")
        for s in range(first, last + 1)
    ]


def test_no_event_is_bigger_than_the_cap_and_each_viewer_still_gets_every_record_in_order(
    store: LogStore,
) -> None:
    store.append(big(1, 150, 6000))
    store.append(big(151, 151, 3 * CAP))  # bigger than the cap by itself: it goes out alone
    store.append(big(152, 300, 6000))
    recorder = SizeRecorder()
    live = LiveFeed(store, recorder.emit, spawn, event_bytes=CAP)
    live.start()
    try:
        for sid, cursor in (("start", 0), ("middle", 120), ("end", 290)):
            live.subscribe(sid, TASK, after_seq=cursor)
        for sid, cursor in (("start", 0), ("middle", 120), ("end", 290)):
            wait_for(lambda s=sid, c=cursor: len(recorder.seqs[s]) == 300 - c, 10, f"{sid}")
            assert recorder.seqs[sid] == list(range(cursor + 1, 301))
    finally:
        live.close()
    for sid in ("start", "middle", "end"):
        for count, size in recorder.sizes[sid]:
            assert size <= CAP or count == 1, (sid, count, size)
    assert len(recorder.sizes["start"]) > 300 * 6000 // CAP  # the backlog really was split


def test_a_reader_that_stopped_is_looked_at_less_and_less_and_alone(store: LogStore) -> None:
    """A subscriber that never acknowledges, beside many that keep up: in a quiet second the
    pump looks at the stalled one a few times (it used to be every 5 ms) and never at the others
    (it used to check all of them each time)."""
    looks: Counter[str] = Counter()
    lock = threading.Lock()
    window = AckWindow(limit=1)  # every event asks; its sid waits for the answer
    held = window.held

    def looked_at(sid: str) -> bool:
        with lock:
            looks[sid] += 1
        return held(sid)

    window.held = looked_at  # type: ignore[method-assign]
    recorder = Recorder()
    recorder.withheld.add("stalled")  # it never answers
    live = LiveFeed(store, recorder.emit, spawn, window=window)
    live.start()
    try:
        store.append(out(1, 10))
        others = [f"viewer-{n}" for n in range(300)]
        for sid in [*others, "stalled"]:
            live.subscribe(sid, TASK, after_seq=0)
        wait_for(lambda: all(len(recorder.seqs[s]) == 10 for s in others), 10, "the viewers")
        time.sleep(0.5)  # past the first quick looks
        with lock:
            looks.clear()
        time.sleep(2.0)
        with lock:
            stalled, at_others = looks["stalled"], sum(looks.values()) - looks["stalled"]
    finally:
        live.close()
    assert stalled <= 10  # at most every MAX_RECHECK_SECONDS by now, after a few doublings
    assert at_others == 0
    assert recorder.seqs["stalled"] == list(range(1, 11))  # one event, never acknowledged
    assert recorder.asked["stalled"] == 1


def test_the_recheck_doubles_while_nothing_moves_and_resets_on_any_progress() -> None:
    delay = next_recheck(0.005, {"a"}, {"a"}, sent=False)
    assert delay == 0.01
    for _ in range(20):
        delay = next_recheck(delay, {"a"}, {"a"}, sent=False)
    assert delay == MAX_RECHECK_SECONDS
    assert next_recheck(delay, {"a"}, {"a", "b"}, sent=False) == 0.005
    assert next_recheck(delay, {"a"}, set(), sent=False) == 0.005
    # A busy stream: the one subscriber is sent an event, then held until it is written.
    assert next_recheck(delay, {"a"}, {"a"}, sent=True) == 0.005
