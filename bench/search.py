"""Log search and windows of lines on big logs (issue #17), through the web API of the stack.

A log of N lines (``seq 1 N`` plus text, every 997th line an ERROR) is stored directly through
the store's append and its LINES index catch-up, the path /sync takes, without running a command
for a million lines. Then each query is timed over HTTP: its first page (100 matches) and its
full count, REPEATS times, median and p95. Also ``/lines?tail=500`` on a short log and on a
TAIL_LINES one: opening a log at its end should not depend on its length. And the first read of
a log stored without its index (as a log stored before the index existed, or appended past
/sync): that read catches the whole index up, and its lines per second are timed.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import requests

from bench.stack import Stack, store_of
from bench.stats import percentile
from joblook import record
from joblook.record import OutputRecord, State, StatusRecord
from joblook.store.logstore import LogStore

REPEATS = 7
LINES_PER_RECORD = 1_000
RECORDS_PER_APPEND = 50
SHORT_LINES = 1_000  # the short log opened at its end, against the long one
# (name, parameters): plain text by default; regex=1 for RE2.
QUERIES: tuple[tuple[str, dict[str, str]], ...] = (
    ("plain, rare (6 digits)", {"q": "424242"}),
    ("plain, 1 line in 997 (any case)", {"q": "error"}),
    ("regex, rare", {"q": r"item\s9\d{4}7\s", "regex": "1"}),
    ("regex, 1 line in 997", {"q": r"ERROR item \d+ failed$", "regex": "1", "case": "1"}),
)


def run(stack: Stack, lines: int, tail_lines: int) -> dict[str, Any]:
    store = store_of(stack)
    try:
        task, indexing = _stored_log(store, lines)
        with requests.Session() as http:
            catch_up = _first_read(stack, http, store, lines)
            queries = [_query(stack, http, task, name, query) for name, query in QUERIES]
            short, _ = _stored_log(store, SHORT_LINES)
            tails = [_tail(stack, http, short, SHORT_LINES)]
            if tail_lines:
                big, big_indexing = _stored_log(store, tail_lines, short_lines=True)
                tails.append(_tail(stack, http, big, tail_lines) | {"indexing": big_indexing})
    finally:
        store.redis.close()
    return {
        "lines": lines,
        "indexing": indexing,
        "catch_up": catch_up,
        "queries": queries,
        "tail": tails,
    }


def _first_read(
    stack: Stack, http: requests.Session, store: LogStore, lines: int
) -> dict[str, Any]:
    """The first ``/lines?tail=1`` of a log of ``lines`` lines stored with no index yet."""
    task, _ = _stored_log(store, lines, index=False)
    started = time.perf_counter()
    reply = http.get(stack.url(f"/tasks/{task}/lines"), params={"tail": "1"}, timeout=600)
    seconds = time.perf_counter() - started
    reply.raise_for_status()
    assert reply.json()["total"] == lines, reply.json()["total"]
    return {"seconds": round(seconds, 2), "lines_per_s": round(lines / seconds)}


def _stored_log(
    store: LogStore, lines: int, short_lines: bool = False, index: bool = True
) -> tuple[str, Any]:
    """A finished task whose output is ``lines`` lines, appended and indexed as /sync does
    (or, without ``index``, only appended)."""
    task = record.new_task_id()
    store.create_task(task, f"seq 1 {lines} | annotate")
    started = time.monotonic()
    seq, n = 0, 0
    while n < lines:
        batch = []
        for _ in range(RECORDS_PER_APPEND):
            if n >= lines:
                break
            upto = min(lines, n + LINES_PER_RECORD)
            seq += 1
            text = "".join(_line(i, short_lines) for i in range(n + 1, upto + 1))
            batch.append(OutputRecord(task, seq, record.timestamp(), record.STDOUT, text))
            n = upto
        store.append(batch)
        if index:
            store.lines.catch_up_all([task])
    end = StatusRecord(task, seq + 1, record.timestamp(), record.STATUS, "", State.SUCCESS.value, 0)
    store.append([end])
    if index:
        store.lines.catch_up_all([task])
    seconds = time.monotonic() - started
    return task, {"seconds": round(seconds, 1), "lines_per_s": round(lines / seconds)}


def _line(n: int, short: bool) -> str:
    if short:
        return f"{n}\n"
    if n % 997 == 0:
        return f"{n} ERROR item {n} failed\n"
    return f"{n} processing item {n} ok\n"


def _query(
    stack: Stack, http: requests.Session, task: str, name: str, query: dict[str, str]
) -> Any:
    page = _timed(http, stack.url(f"/tasks/{task}/search"), query)
    count = _timed(http, stack.url(f"/tasks/{task}/search/count"), query)
    return {
        "name": name,
        "query": query,
        "first_page": page["summary"],
        "matches_on_first_page": len(page["reply"]["matches"]),
        "count_ms": count["summary"],
        "count": count["reply"]["count"],
        "exact": count["reply"]["exact"],
    }


def _tail(stack: Stack, http: requests.Session, task: str, lines: int) -> Any:
    timed = _timed(http, stack.url(f"/tasks/{task}/lines"), {"tail": "500"})
    assert timed["reply"]["total"] == lines, timed["reply"]["total"]
    return {"lines": lines, "tail_500": timed["summary"]}


def _timed(http: requests.Session, url: str, params: dict[str, str]) -> dict[str, Any]:
    samples = []
    reply: Any = None
    for _ in range(REPEATS):
        started = time.perf_counter()
        response = http.get(url, params=params, timeout=60)
        samples.append(time.perf_counter() - started)
        response.raise_for_status()
        reply = response.json()
    ordered = sorted(samples)
    summary = {
        "median_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(percentile(ordered, 95) * 1000, 1),
    }
    return {"summary": summary, "reply": reply}
