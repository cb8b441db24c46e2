"""What a search looks for, compiled so that no query can make it slow.

A plain-text query (the default) is an escaped literal searched with Python's ``re`` in C: a
literal cannot backtrack. A regular expression (``regex=1``) is compiled by RE2, whose time is
linear in the text searched whatever the pattern (no backtracking, so no catastrophic patterns),
with a bounded memory for its program; lookarounds and backreferences, which need backtracking,
are refused as RE2 refuses them. Both search the plain string, one line per ``\\n``; a match
never spans a newline (RE2's ``never_nl``; a literal has none). Counting stops at a deadline,
so a pathological query (every line matching) costs a bounded time, and says it stopped.

Finding lines only needs where a match starts, so the scanners RE2 runs over the plain string
are compiled for speed rather than for the spans shown: leftmost-longest (the leftmost match
starts at the same place, and its DFA needs no priorities), and, for an ASCII query over a
string the index knows is all ASCII, in Latin-1 (one byte, one character: no UTF-8 decoding in
the DFA; on ASCII text both encodings match the same lines). Together a third less time on a
rare case-ignoring expression over a 1,000,000-line log (docs/search.md).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import re2
from re2 import _re2

# RE2's binding's core call, which the public wrapper (re2.compile(...).search) spends about
# eight times as long around, building a match object per call: a count calls it once per
# matching line. Pinned with google-re2 (pyproject.toml); tests/unit/store/test_search_pattern.py
# holds it to the public API's answers.
_UNANCHORED = _re2.RE2.Anchor.UNANCHORED

QUERY_MAX = 1_000  # characters
RE2_MAX_MEM = 8 << 20  # bytes for a compiled regex and its DFA cache
RANGES_MAX = 100  # highlighted ranges per line


class PatternError(ValueError):
    """A query that cannot be searched for; the message says why, for people."""


@dataclass(slots=True)
class Pattern:
    """A compiled query: ``find`` searches bytes of the plain string, ``spans`` a line's text."""

    _bytes: Any  # re.Pattern[bytes], or RE2's core object (_re2.RE2)
    _text: Any  # re.Pattern[str] or RE2's compiled pattern: finditer on a line
    _counter: re.Pattern[bytes] | None = None  # a literal: its match and the rest of its line
    _lower: bool = False  # the counter runs on the text lowered
    _ascii: Any = None  # RE2's core object in Latin-1, for plain strings all ASCII (or None)

    @classmethod
    def compile(cls, query: str, regex: bool = False, case: bool = False) -> Pattern:
        if not query:
            raise PatternError("q must not be empty")
        if len(query) > QUERY_MAX:
            raise PatternError(f"q must be at most {QUERY_MAX} characters")
        if "\n" in query or "\r" in query:
            raise PatternError("q must be on one line: lines are searched one by one")
        counter, lower = None, False
        if not regex and query.lower() == query.upper() == query.casefold():
            case = True  # nothing in it has a case (digits, say): re's literal search is fastest
        if not regex and (case or query.isascii()):
            # findall of "literal, rest of line, empty group" counts matching lines in C (the
            # rest of a line is consumed, so a line counts once; the empty group costs nothing).
            # Without case, it runs on the text lowered (ASCII letters, as the query's are):
            # re's literal search is many times faster than its IGNORECASE matching.
            lower = not case
            literal = re.escape(query.lower() if lower else query).encode()
            counter = re.compile(literal + rb"[^\n]*()")
            if case:  # re's literal search is fastest; without case, RE2's is (and Unicode)
                literal_text = re.escape(query)
                return cls(re.compile(literal_text.encode()), re.compile(literal_text), counter)
        options = _options(regex, case)
        if regex:
            query = f"(?m){query}"  # ^ and $ at each line's start and end
        try:
            text = re2.compile(query, options)
        except re2.error as exc:
            reason = exc.args[0].decode() if isinstance(exc.args[0], bytes) else str(exc)
            raise PatternError(f"q is not a regular expression RE2 accepts: {reason}") from None
        options.longest_match = True  # only where the leftmost match starts is used
        core = _re2.RE2(query.encode(), options)
        ascii_core = None
        if query.isascii():
            options.encoding = re2.Options.Encoding.LATIN1
            ascii_core = _re2.RE2(query.encode(), options)
        return cls(core, text, counter, lower, ascii_core)

    def find(self, data: bytes, pos: int, end: int, ascii: bool = False) -> int:
        """Where the first match at or after ``pos`` (and before ``end``) starts; -1 if none.
        ``ascii``: ``data`` is known to be all ASCII (the Latin-1 scanner may then run)."""
        if isinstance(self._bytes, re.Pattern):
            found = self._bytes.search(data, pos, end)
            return -1 if found is None else found.start()
        core = self._ascii if ascii and self._ascii is not None else self._bytes
        start: int = core.Match(_UNANCHORED, data, pos, end)[0][0]
        return start

    def spans(self, line: str) -> list[list[int]]:
        """Where it matches in ``line``, in characters (at most RANGES_MAX, empty ones dropped
        unless the only one)."""
        spans: list[list[int]] = []
        for found in self._text.finditer(line):
            start, end = found.span()
            if end > start or not spans:
                spans.append([start, end])
            if len(spans) >= RANGES_MAX:
                break
        return spans


def _options(regex: bool, case: bool) -> re2.Options:
    options = re2.Options()
    options.never_nl = True
    options.case_sensitive = case
    options.literal = not regex
    options.max_mem = RE2_MAX_MEM
    options.log_errors = False
    options.never_capture = True  # only where a match is
    return options


def count_lines(
    pattern: Pattern, data: bytes, deadline: float, ascii: bool = False
) -> tuple[int, bool]:
    """How many lines of ``data`` match, and whether that is all of them (False: the count
    stopped at ``deadline``, a ``time.monotonic()`` value, and is a lower bound)."""
    if pattern._counter is not None:
        return len(pattern._counter.findall(data.lower() if pattern._lower else data)), True
    count = 0
    try:
        for _ in matching_lines(pattern, data, 0, deadline, ascii):
            count += 1
    except TimeoutError:
        return count, False
    return count, True


def matching_lines(
    pattern: Pattern,
    data: bytes,
    start: int = 0,
    deadline: float | None = None,
    ascii: bool = False,
) -> Iterator[int]:
    """The byte offset of the start of each line of ``data`` (``\\n``-terminated lines) that
    matches, from ``start``; stops at ``deadline`` (a ``time.monotonic()`` value). ``ascii``:
    ``data`` is known to be all ASCII."""
    pos, end = start, len(data)
    checked = 0
    while pos < end:
        found = pattern.find(data, pos, end, ascii)
        if found < 0:
            return
        line_start = data.rfind(b"\n", pos, found) + 1 or pos
        yield max(line_start, pos)
        pos = data.find(b"\n", found) + 1 or end
        checked += 1
        if deadline is not None and checked % 256 == 0 and time.monotonic() > deadline:
            raise TimeoutError
