"""What ``joblook submit --batch FILE`` and ``joblook run JOB --sweep`` send.

A batch file has one task per line, as a shell script or ``xargs`` input has: a line is a shell
command as is, or (starting with ``{``) an item as ``POST /enqueue``'s batch takes it, such as
``{"job": "train", "params": {"lr": 0.1}}``. Blank lines and lines starting with ``#`` are
skipped. ``NAME=VALUE`` words (``--param``, ``--sweep``) follow Hydra's multirun, which ML
users already type: ``--sweep lr=0.1,0.01`` sweeps lr over two values; a value that reads as a
number is sent as one, anything else as text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

MAX_BATCH = 10_000  # items per request (the API's bound); a longer file goes in several
NUMBER = re.compile(r"-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


class BatchFileError(ValueError):
    """A line or a word that cannot be sent; the message says which."""


def items(lines: Iterable[str]) -> Iterator[dict[str, Any]]:
    """The batch items a batch file's lines describe."""
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if not line.startswith("{"):
            yield {"cmd": line}
            continue
        try:
            item = json.loads(line)
        except ValueError as exc:
            raise BatchFileError(f"line {number}: not valid JSON ({exc})") from None
        if not isinstance(item, dict):
            raise BatchFileError(f"line {number}: a JSON item must be an object")
        yield item


def chunks(all_items: Iterable[dict[str, Any]], size: int = MAX_BATCH) -> Iterator[list[Any]]:
    """The items in requests of at most ``size``."""
    chunk: list[dict[str, Any]] = []
    for item in all_items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def value(text: str) -> int | float | str:
    """A parameter's value as typed: a number when it reads as one, else the text."""
    if NUMBER.fullmatch(text):
        number = float(text)
        return int(text) if re.fullmatch(r"-?\d+", text) else number
    return text


def assignments(words: list[str], *, many: bool) -> dict[str, Any]:
    """``NAME=VALUE`` words as parameters; with ``many``, each value a comma-separated list."""
    found: dict[str, Any] = {}
    for word in words:
        name, equals, text = word.partition("=")
        if not equals or not name:
            raise BatchFileError(f"{word!r}: write NAME=VALUE" + (",VALUE..." if many else ""))
        if name in found:
            raise BatchFileError(f"{name} is given twice")
        found[name] = [value(v) for v in text.split(",")] if many else value(text)
    return found
