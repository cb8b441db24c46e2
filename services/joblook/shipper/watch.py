"""Watching one directory for new and growing ``*.jsonl`` files.

inotify reports changes as they happen; a slow rescan is only a safety net (events lost to a
queue overflow, a directory removed and made again), never on the path of a line.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

from inotify_simple import INotify
from inotify_simple import flags as inflags

SUFFIX = ".jsonl"
_EVENTS = inflags.CREATE | inflags.MODIFY | inflags.MOVED_TO | inflags.CLOSE_WRITE | inflags.ONLYDIR


class Watch:
    """inotify on ``directory`` (made if missing), plus a rescan due every ``rescan_interval``."""

    def __init__(self, directory: Path, rescan_interval: float) -> None:
        self.directory = directory
        self._rescan_interval = rescan_interval
        self._inotify = INotify()
        self._watching = False
        self._next_rescan = 0.0  # the first rescan finds the files that are already there

    def fileno(self) -> int:
        """Readable when there is news: for ``poll`` with other descriptors."""
        return self._inotify.fileno()

    def close(self) -> None:
        self._inotify.close()

    def seconds_to_rescan(self) -> float:
        return max(0.0, self._next_rescan - time.monotonic())

    def rescan_due(self) -> bool:
        return time.monotonic() >= self._next_rescan

    def news(self) -> Iterator[str]:
        """Names of log files that changed since the last call, without waiting."""
        for event in self._inotify.read(timeout=0):
            if event.mask & inflags.IGNORED:  # the directory itself went away
                self._watching = False
            if event.mask & (inflags.Q_OVERFLOW | inflags.IGNORED):
                self._next_rescan = 0.0
            elif event.name.endswith(SUFFIX):
                yield event.name

    def listing(self) -> list[os.DirEntry[str]]:
        """Every log file in the directory; watches it first, so nothing falls in between."""
        self._next_rescan = time.monotonic() + self._rescan_interval
        if not self._watching:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._inotify.add_watch(self.directory, _EVENTS)
            self._watching = True
        with os.scandir(self.directory) as entries:
            return [e for e in entries if e.name.endswith(SUFFIX) and e.is_file()]
