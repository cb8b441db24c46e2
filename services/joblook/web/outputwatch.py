"""``output_match`` events: a home page filtering by output hears of tasks as their lines match.

A home page that filters the history by output (``GET /tasks?q=&output=1``) sends its text with
``watch_output``; the text is kept in Redis (``keys.OUTPUT_FILTERS``) until LAPSE_SECONDS after
its page last sent it, so every web process sees the texts of every page. After /sync indexes
what it stored, :meth:`OutputWatch.lines_added` searches only the lines just added, of the tasks
that got some, for each text held, and announces each task whose new lines match to the task
list's room: a page with that text lists it, and the ``task`` events keep it current from then.
The cost is per new line and text, never a task's whole log, and nothing without a filter.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from joblook import keys
from joblook.store.lines.index import Snapshot
from joblook.store.lines.pattern import Pattern, matching_lines
from joblook.store.lines.search import off_hub
from joblook.store.logstore import LogStore

LAPSE_SECONDS = 120.0  # a page sends its text again every minute while it filters
TEXTS_MAX = 50  # the texts searched after each /sync: those most recently sent
READ_EVERY = 1.0  # seconds between reads of the texts held, per process
ANNOUNCE_EVERY = 5.0  # seconds between two announcements of one task for one text

Announce = Callable[[str, dict[str, Any]], None]  # (text, the task's JSON)


class OutputWatch:
    """The texts home pages filter outputs by, and the search of new lines for them."""

    def __init__(self, store: LogStore, announce: Announce) -> None:
        self.store = store
        self.announce = announce
        self._texts: list[tuple[str, Pattern]] = []
        self._read_at = float("-inf")
        self._announced: dict[tuple[str, str], float] = {}

    def watch(self, text: str) -> None:
        """A page filters by ``text`` (raises PatternError when it cannot be searched)."""
        Pattern.compile(text)
        now = time.time()
        pipe = self.store.redis.pipeline(transaction=False)
        pipe.zadd(keys.OUTPUT_FILTERS, {text: now + LAPSE_SECONDS})
        pipe.zremrangebyscore(keys.OUTPUT_FILTERS, "-inf", now)
        pipe.execute()
        self._read_at = float("-inf")  # this process searches for it from the next /sync on

    def lines_added(self, moved: dict[str, tuple[Snapshot, Snapshot]]) -> None:
        """Announce the tasks whose lines added (the index before and after) match a text."""
        texts = self._held() if moved else []
        if not texts:
            return
        now = time.monotonic()
        matched: dict[str, list[str]] = {}
        for task_id, (before, after) in moved.items():
            if after.count <= before.count:
                continue
            added = self.store.lines.plain(task_id, before.count + 1, after.count, after)
            for text, pattern in texts:
                if self._announced.get((text, task_id), float("-inf")) > now - ANNOUNCE_EVERY:
                    continue
                if off_hub(_matches, added, pattern, after.ascii):
                    self._announced[(text, task_id)] = now
                    matched.setdefault(task_id, []).append(text)
        if matched:
            self._announce(matched)
        self._forget(now)

    def _announce(self, matched: dict[str, list[str]]) -> None:
        for info in self.store.tasks(list(matched)):
            if info is not None and info.kind is None:  # a chain's output is its steps'
                for text in matched[info.task_id]:
                    self.announce(text, info.to_json())

    def _held(self) -> list[tuple[str, Pattern]]:
        """The texts pages filter by now, read from Redis at most every READ_EVERY seconds."""
        if time.monotonic() - self._read_at >= READ_EVERY:
            raw = self.store.redis.zrevrangebyscore(
                keys.OUTPUT_FILTERS, "+inf", time.time(), start=0, num=TEXTS_MAX
            )
            texts = [t.decode() if isinstance(t, bytes) else t for t in raw]
            self._texts = [(text, Pattern.compile(text)) for text in texts]
            self._read_at = time.monotonic()
        return self._texts

    def _forget(self, now: float) -> None:
        """Drop the announcements old enough to be made again (a bounded memory)."""
        if len(self._announced) > 10_000:
            self._announced = {
                key: at for key, at in self._announced.items() if at > now - ANNOUNCE_EVERY
            }


def _matches(data: bytes, pattern: Pattern, ascii: bool) -> bool:
    """Whether a line of ``data`` matches (searched off the hub when long: a big /sync)."""
    return next(matching_lines(pattern, data, ascii=ascii), None) is not None
