"""When a schedule is due: cron expressions (croniter) and fixed intervals, in words too.

A cron expression has exactly five fields (minute hour day-of-month month day-of-week) or is one
of the ``@`` shorthands below, and is read in the schedule's time zone (UTC unless it names an
IANA zone). Seconds and year fields, Jenkins' ``H`` and ``@reboot`` are refused: a scheduler
that restarts is no reboot, and a cron line that parsed differently elsewhere would surprise.
"""

from __future__ import annotations

import datetime as dt
import math
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cron_descriptor import ExpressionDescriptor, FormatException, Options
from croniter import croniter

SHORTHANDS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
FIELDS = 5
MAX_CRON_LENGTH = 200


class TimingError(ValueError):
    """A cron expression, interval or time zone that cannot be used; the message says why."""


def check_cron(expression: str) -> str:
    """The expression, normalised (single spaces), or TimingError saying what is wrong."""
    words = expression.split()
    if len(expression) > MAX_CRON_LENGTH or not words:
        raise TimingError("cron must be five fields: minute hour day-of-month month day-of-week")
    if words[0].startswith("@"):
        if len(words) != 1 or words[0].lower() not in SHORTHANDS:
            raise TimingError(f"cron shorthands are {', '.join(SHORTHANDS)}")
        return words[0].lower()
    if len(words) != FIELDS:
        raise TimingError(
            f"cron must be five fields (minute hour day-of-month month day-of-week), got"
            f" {len(words)}"
        )
    normal = " ".join(words)
    if not croniter.is_valid(normal):
        raise TimingError(f"cron {normal!r} is not a valid expression")
    return normal


def check_timezone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise TimingError(f"unknown time zone {name!r} (an IANA name, like Europe/Paris)") from None


def latest_due(
    now: float,
    since: float,
    *,
    cron: str | None = None,
    every: float | None = None,
    tz: str = "UTC",
) -> float | None:
    """The latest due time at or before ``now`` and after ``since`` (epoch seconds), if any.

    An interval schedule is due ``since + every``, ``since + 2 * every``...; a cron schedule at
    each time its expression matches (to the minute)."""
    if every is not None:
        count = math.floor((now - since) / every)
        return since + count * every if count >= 1 else None
    assert cron is not None
    # croniter's get_prev excludes its start, so start just after now: a due time equal to now
    # counts.
    start = dt.datetime.fromtimestamp(now + 0.001, tz=check_timezone(tz))
    due = float(croniter(cron, start).get_prev(float))
    return due if due > since else None


def next_due(
    now: float,
    since: float,
    count: int,
    *,
    cron: str | None = None,
    every: float | None = None,
    tz: str = "UTC",
) -> list[float]:
    """The next ``count`` due times after ``now`` (and after ``since``)."""
    if every is not None:
        start = max(now, since)
        first = since + (math.floor((start - since) / every) + 1) * every
        return [first + i * every for i in range(count)]
    assert cron is not None
    start = dt.datetime.fromtimestamp(max(now, since), tz=check_timezone(tz))
    runs = croniter(cron, start)
    return [float(runs.get_next(float)) for _ in range(count)]


def describe(cron: str | None = None, every: float | None = None, tz: str = "UTC") -> str:
    """How often, in words: "every day at 03:00 (UTC)", "every 90 seconds"."""
    if every is not None:
        return f"every {duration_words(every)}"
    assert cron is not None
    options = Options()
    options.use_24hour_time_format = True
    try:
        words = ExpressionDescriptor(SHORTHANDS.get(cron, cron), options).get_description()
    except FormatException:  # checked expressions parse; this only keeps a page from failing
        words = cron
    return f"{words[:1].lower()}{words[1:]} ({tz})"


UNITS = (("day", 86_400), ("hour", 3_600), ("minute", 60), ("second", 1))


def duration_words(seconds: float) -> str:
    """90 -> "90 seconds", 3600 -> "hour", 7200 -> "2 hours", 5400 -> "90 minutes"."""
    for unit, size in UNITS:
        if seconds >= size and seconds % size == 0:
            count = int(seconds // size)
            return unit if count == 1 else f"{count} {unit}s"
    return f"{seconds:g} seconds"
