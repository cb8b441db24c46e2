"""Read positions: how far each log file has been acknowledged by ``/sync``.

Saved atomically (temp file, then ``os.replace``) after every acknowledged POST, so a restart,
even after ``kill -9``, resumes at the last acknowledged byte. A position is only ever saved
after the server acknowledged the bytes before it: at worst a restart resends, it never skips.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import orjson

log = logging.getLogger(__name__)

_VERSION = 1


@dataclass(slots=True)
class Position:
    """Where reading of one file (by name) resumes: its inode and the byte after the last
    acknowledged line. ``done`` once the task's terminal status record was acknowledged."""

    inode: int
    offset: int = 0
    done: bool = False


class PositionStore:
    """The positions file: one JSON document, rewritten whole on every save."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._tmp = path.with_name(path.name + ".tmp")

    def load(self) -> dict[str, Position]:
        """The saved positions; an unreadable file means starting over (resending is safe)."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        try:
            doc = orjson.loads(raw)
            return {
                name: Position(int(inode), int(offset), bool(done))
                for name, (inode, offset, done) in doc["files"].items()
            }
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
            log.warning("unreadable positions file %s (%s): reading all from 0", self.path, exc)
            return {}

    def save(self, positions: Mapping[str, Position]) -> None:
        """Write all positions to a temp file and atomically move it over the old one.

        No fsync: ``kill -9`` keeps the page cache, and a file lost to a power cut only means
        resending from 0, which ``/sync`` de-duplicates.
        """
        doc = {
            "version": _VERSION,
            "files": {name: (p.inode, p.offset, p.done) for name, p in positions.items()},
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._tmp.write_bytes(orjson.dumps(doc))
        os.replace(self._tmp, self.path)
