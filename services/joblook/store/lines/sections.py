"""Foldable sections, from the markers CI systems print (their lines stay in the log as printed).

- GitHub Actions: ``::group::Title`` ... ``::endgroup::`` (nested: closes the innermost group).
- GitLab: ``section_start:TIME:NAME[options]`` then, after a ``\\r\\e[0K``, the header shown;
  ``section_end:TIME:NAME`` closes the open section of that NAME (and any opened inside it).
  ``[collapsed=true]`` starts it folded.
- Buildkite: ``--- Title`` (folded), ``+++ Title`` (open), ``~~~ Title`` (folded, no output
  expected): a header closes the previous Buildkite section (they do not nest).

Markers are read from the line's first frame (a GitLab marker is followed by ``\\r`` and its
header) with the escapes stripped. A section's times are those of the lines that open and close
it; one still open when the task ends closes at its last line.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

MAX_SECTIONS = 10_000  # per task: markers past this many sections are ordinary lines
MAX_DEPTH = 100  # open at once; a deeper marker is an ordinary line
MAX_TITLE = 500  # characters of a title kept

GITHUB, GITLAB, BUILDKITE = "github", "gitlab", "buildkite"
_GITLAB_START = re.compile(r"section_start:(\d+):([^\s\[\]]+)(?:\[([^\]]*)\])?")
_GITLAB_END = re.compile(r"section_end:(\d+):([^\s\[\]]+)")
_BUILDKITE = {"--- ": True, "+++ ": False, "~~~ ": True}  # header -> folded


@dataclass(slots=True)
class Section:
    """One section as ``GET /tasks/<id>/sections`` shows it (``name``: GitLab's, to match its
    end; ``number``: its place in the task, from 0)."""

    number: int
    title: str
    start: int
    depth: int
    kind: str
    collapsed: bool
    started_at: float
    end: int | None = None
    ended_at: float | None = None
    name: str = ""

    def to_json(self) -> dict[str, Any]:
        shown = asdict(self)
        del shown["number"], shown["name"]
        return shown


@dataclass(slots=True)
class Sections:
    """The sections found so far: the open ones (state kept between catch-ups), and those that
    opened or changed since ``changed`` was last emptied (written to the store)."""

    open: list[Section] = field(default_factory=list)
    count: int = 0
    changed: dict[int, Section] = field(default_factory=dict)

    def see(self, n: int, marker: str, header: str, time: float) -> None:
        """Line ``n`` completed: ``marker`` its first frame, ``header`` its last, both plain."""
        if marker.startswith("::"):
            if marker.startswith("::group::"):
                self._open(n, GITHUB, marker[9:].strip() or "group", time)
            elif marker.startswith("::endgroup::"):
                self._close_last(GITHUB, "", n, time)
        elif marker.startswith("section_"):
            self._gitlab(n, marker, header, time)
        elif marker[:4] in _BUILDKITE:
            self._close_last(BUILDKITE, "", n - 1, time)
            self._open(n, BUILDKITE, marker[4:].strip(), time, folded=_BUILDKITE[marker[:4]])

    def finish(self, last_line: int, time: float) -> None:
        """The task ended: every open section ends at its last line."""
        while self.open:
            self._end(self.open.pop(), last_line, time)

    def _gitlab(self, n: int, marker: str, header: str, time: float) -> None:
        if start := _GITLAB_START.fullmatch(marker):
            title = header if header and header != marker else start[2]
            folded = "collapsed=true" in (start[3] or "")
            self._open(n, GITLAB, title, time, folded=folded, name=start[2])
        elif end := _GITLAB_END.fullmatch(marker):
            self._close_last(GITLAB, end[2], n, time)

    def _open(
        self, n: int, kind: str, title: str, time: float, *, folded: bool = False, name: str = ""
    ) -> None:
        if self.count >= MAX_SECTIONS or len(self.open) >= MAX_DEPTH:
            return
        section = Section(self.count, title[:MAX_TITLE], n, len(self.open), kind, folded, time)
        section.name = name
        self.count += 1
        self.open.append(section)
        self.changed[section.number] = section

    def _close_last(self, kind: str, name: str, end: int, time: float) -> None:
        """Close the innermost open section of ``kind`` (and ``name``), with those inside it."""
        for at in range(len(self.open) - 1, -1, -1):
            section = self.open[at]
            if section.kind == kind and section.name == name:
                for inner in reversed(self.open[at:]):
                    self._end(inner, max(end, inner.start), time)
                del self.open[at:]
                return

    def _end(self, section: Section, end: int, time: float) -> None:
        section.end, section.ended_at = end, time
        self.changed[section.number] = section

    def to_state(self) -> dict[str, Any]:
        return {"count": self.count, "open": [asdict(s) for s in self.open]}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Sections:
        return cls(open=[Section(**s) for s in state["open"]], count=state["count"])
