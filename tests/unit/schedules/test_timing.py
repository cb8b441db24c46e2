"""When a schedule is due, and how it is said in words."""

from __future__ import annotations

import datetime as dt

import pytest

from joblook.schedules import timing


def epoch(text: str) -> float:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC).timestamp()


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("0 3 * *", "five fields"),
        ("0 0 3 * * *", "five fields"),  # a seconds field
        ("61 * * * *", "not a valid expression"),
        ("H * * * *", "not a valid expression"),
        ("@reboot", "shorthands"),
        ("", "five fields"),
    ],
)
def test_a_cron_expression_is_checked_strictly(expression: str, reason: str) -> None:
    with pytest.raises(timing.TimingError, match=reason):
        timing.check_cron(expression)


def test_a_valid_cron_expression_is_normalised() -> None:
    assert timing.check_cron("  0   3 * *  mon-fri ") == "0 3 * * mon-fri"
    assert timing.check_cron("@DAILY") == "@daily"


def test_an_unknown_time_zone_is_refused() -> None:
    with pytest.raises(timing.TimingError, match="unknown time zone"):
        timing.check_timezone("Mars/Olympus")


def test_a_cron_due_time_equal_to_now_counts_and_one_before_since_does_not() -> None:
    now = epoch("2026-01-02T03:00:00")
    assert timing.latest_due(now, since=0, cron="0 3 * * *") == now
    assert timing.latest_due(now + 59, since=0, cron="0 3 * * *") == now
    assert timing.latest_due(now + 59, since=now + 1, cron="0 3 * * *") is None


def test_cron_is_read_in_the_schedules_time_zone() -> None:
    # 03:00 in Paris is 02:00 UTC in winter.
    now = epoch("2026-01-02T02:30:00")
    due = timing.latest_due(now, since=0, cron="0 3 * * *", tz="Europe/Paris")
    assert due == epoch("2026-01-02T02:00:00")
    assert timing.next_due(now, 0, 1, cron="0 3 * * *", tz="Europe/Paris") == [
        epoch("2026-01-03T02:00:00")
    ]


def test_an_interval_is_due_every_n_seconds_after_since() -> None:
    assert timing.latest_due(1009, since=1000, every=10) is None
    assert timing.latest_due(1010, since=1000, every=10) == 1010
    assert timing.latest_due(1035, since=1000, every=10) == 1030
    assert timing.next_due(1035, 1000, 3, every=10) == [1040, 1050, 1060]


@pytest.mark.parametrize(
    ("timing_args", "words"),
    [
        ({"cron": "0 3 * * *"}, "at 03:00 (UTC)"),
        ({"cron": "*/5 * * * *"}, "every 5 minutes (UTC)"),
        ({"cron": "@hourly", "tz": "Europe/Paris"}, "every hour (Europe/Paris)"),
        ({"every": 90}, "every 90 seconds"),
        ({"every": 3600}, "every hour"),
        ({"every": 7200}, "every 2 hours"),
    ],
)
def test_how_often_is_said_in_words(timing_args: dict[str, object], words: str) -> None:
    assert timing.describe(**timing_args) == words  # type: ignore[arg-type]
