"""Progress and metrics recognised in a command's output, so programs need no change to show them.

One output chunk (a record's ``log``: one line or one ``\\r``-redrawn frame, terminator kept) is
looked at on its own. What counts:

- a tqdm bar anywhere in the chunk: ``train:  42%|████      | 42/100 [00:10<00:14, 4.20it/s]``.
  ``n/total`` gives the fraction when both use the same unit (it is finer than the rounded
  percentage), and ``<00:14`` is tqdm's own estimate of the time left;
- the ``n/total`` form followed by a bar or tqdm's times, as Keras and custom tqdm formats print
  it: ``42/100 [=====>....] - ETA: 14s``, ``42/100 [00:10<00:14]``;
- a bare percentage at the start of a redrawn chunk (one that ends with ``\\r``, or not at all
  because the program paused mid-line): ``\\r 42%``;
- a line that is exactly a JSON object with ``progress`` (0 to 1) and/or ``metrics`` (an object
  of numbers, with an optional number ``step``): ``{"progress": 0.42}``,
  ``{"metrics": {"loss": 0.31}, "step": 120}``.

Most chunks are ordinary output, so :func:`recognise` rejects them with substring tests before any
regular expression runs. :func:`findings` looks at a batch of records, as ``/sync`` hands them to
the store.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from operator import attrgetter
from typing import NamedTuple

import orjson

from joblook.record import OutputRecord, Record

MAX_NAME_CHARS = 100
"""A metric's name is at most this long; longer ones are ignored."""

_UNIT = r"[kMGTPEZY]?i?"
_AMOUNT = rf"\d+(?:\.\d+)?{_UNIT}"
_CLOCK = r"(?:\d+:)?\d{1,2}:\d{2}"  # tqdm's [H:]MM:SS
_TQDM = re.compile(
    r"(?P<pct>\d{1,3}(?:\.\d+)?)%\|[^|]*\|"  # " 42%|████      |"
    rf"(?:\s*(?P<n>{_AMOUNT})/(?P<total>{_AMOUNT}))?"  # " 42/100"
    rf"(?:\s*\[{_CLOCK}<(?P<left>{_CLOCK}|\?))?"  # " [00:10<00:14"
)
_COUNTS = re.compile(
    rf"(?:^|\s)(?P<n>\d+)/(?P<total>\d+)\s*"
    rf"(?:\[{_CLOCK}<(?P<left>{_CLOCK}|\?)"  # tqdm's times: "42/100 [00:10<00:14]"
    r"|\[[=>.\-#* ]+\]|[━─╸╺]+)"  # a bar: "[=====>....]" (Keras), "━━━━╸───" (Keras 3, rich)
)
_KERAS_ETA = re.compile(r"ETA: (?:(?P<h>\d+):)?(?:(?P<m>\d+):)?(?P<s>\d+)s?\b")
_PERCENT = re.compile(r"\s*(\d{1,3}(?:\.\d+)?)\s?%")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@dataclass(frozen=True, slots=True)
class Finding:
    """What one chunk says: a fraction done (0 to 1) with maybe a time left, and/or metrics."""

    progress: float | None = None
    eta_seconds: float | None = None
    metrics: tuple[tuple[str, int | float], ...] = ()
    step: int | float | None = None


class Found(NamedTuple):
    """A finding and the record it came from."""

    seq: int
    finding: Finding
    time: str


def findings(records: Iterable[Record]) -> dict[str, list[Found]]:
    """What a batch's output says, by task, in seq order: only the findings that decide what the
    store ends up with (see :func:`_thinned`)."""
    found: dict[str, list[Found]] = {}
    for r in sorted(records, key=attrgetter("task_id", "seq")):
        if isinstance(r, OutputRecord) and (finding := recognise(r.log)) is not None:
            found.setdefault(r.task_id, []).append(Found(r.seq, finding, r.time))
    return {task_id: _thinned(task_found) for task_id, task_found in found.items()}


def _thinned(found: list[Found]) -> list[Found]:
    """A bar redrawn 10,000 times a second puts thousands of progress-only frames in one batch, yet
    only a few matter: the first (it may start the rate's baseline), each one that goes backwards
    with the one before it (a new bar restarts the baseline), and the last (it wins). Metrics are
    all kept."""
    bar = [
        i for i, f in enumerate(found) if f.finding.progress is not None and not f.finding.metrics
    ]
    keep = set(bar[:1] + bar[-1:])
    for before, after in itertools.pairwise(bar):
        if found[after].finding.progress < found[before].finding.progress:  # type: ignore[operator]
            keep.update((before, after))
    return [f for i, f in enumerate(found) if i in keep or f.finding.metrics]


def recognise(log: str) -> Finding | None:
    """The progress or metrics one output chunk reports, or None (nearly always)."""
    if "{" in log:
        found = _json_line(log)
        if found is not None:
            return found
    if "%" not in log and "/" not in log:
        return None
    if "\x1b" in log:
        log = _ANSI.sub("", log)
    if "%|" in log:
        found = _tqdm(log)
        if found is not None:
            return found
    if "/" in log and ("[" in log or "━" in log or "─" in log):
        found = _counts(log)
        if found is not None:
            return found
    if "%" in log and not log.endswith("\n"):  # a redrawn frame: ends with \r or not at all
        match = _PERCENT.match(log)
        if match and float(match[1]) <= 100:
            return Finding(progress=float(match[1]) / 100)
    return None


def _tqdm(log: str) -> Finding | None:
    match = _TQDM.search(log)
    if match is None:
        return None
    fraction = _ratio(match["n"], match["total"])
    if fraction is None:
        fraction = min(1.0, float(match["pct"]) / 100)  # tqdm shows 105% when n overshoots
    return Finding(progress=fraction, eta_seconds=_clock(match["left"]))


def _counts(log: str) -> Finding | None:
    match = _COUNTS.search(log)
    if match is None:
        return None
    fraction = _ratio(match["n"], match["total"])
    if fraction is None:
        return None
    eta = _clock(match["left"])
    if eta is None:
        keras = _KERAS_ETA.search(log, match.end())
        if keras is not None:
            h, m, s = (int(keras[g] or 0) for g in ("h", "m", "s"))
            if keras["m"] is None and keras["h"] is not None:  # "1:02" is minutes and seconds
                h, m = 0, h
            eta = float(h * 3600 + m * 60 + s)
    return Finding(progress=fraction, eta_seconds=eta)


def _ratio(n: str | None, total: str | None) -> float | None:
    """n/total as a fraction in [0, 1], when both are numbers in the same unit."""
    if n is None or total is None:
        return None
    n_number, n_unit = _split_unit(n)
    total_number, total_unit = _split_unit(total)
    if n_unit != total_unit or total_number <= 0:
        return None
    return min(1.0, n_number / total_number)


def _split_unit(amount: str) -> tuple[float, str]:
    digits = amount.rstrip("kMGTPEZYi")
    return float(digits), amount[len(digits) :]


def _clock(text: str | None) -> float | None:
    """Seconds from tqdm's [H:]MM:SS; None for "?" or nothing."""
    if not text or text == "?":
        return None
    seconds = 0
    for part in text.split(":"):
        seconds = seconds * 60 + int(part)
    return float(seconds)


def _json_line(log: str) -> Finding | None:
    text = log.strip()
    if not (text.startswith("{") and text.endswith("}")):
        return None
    try:
        obj = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(obj, dict):
        return None
    progress = obj.get("progress")
    if not _is_number(progress) or not 0 <= progress <= 1:
        progress = None
    metrics = obj.get("metrics")
    points: tuple[tuple[str, int | float], ...] = ()
    if isinstance(metrics, dict):
        points = tuple(
            (name, value)
            for name, value in metrics.items()
            if _is_number(value) and 0 < len(name) <= MAX_NAME_CHARS
        )
    if progress is None and not points:
        return None
    step = obj.get("step")
    return Finding(
        progress=float(progress) if progress is not None else None,
        metrics=points,
        step=step if points and _is_number(step) else None,
    )


def _is_number(value: object) -> bool:
    """A finite JSON number (not a boolean)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value)
