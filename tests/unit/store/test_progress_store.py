"""Progress and metrics the store keeps from the output: once per record, in seq order, bounded."""

from __future__ import annotations

import datetime as dt
import itertools

import orjson
import pytest

from joblook import keys, progress, record
from joblook.record import OutputRecord, State, StatusRecord
from joblook.store import metrics
from joblook.store.logstore import Appended, LogStore
from tests.unit.store.test_logstore import TASK

START = dt.datetime(2026, 11, 22, 2, 13, tzinfo=dt.UTC)


def out(seq: int, text: str, seconds: float = 0.0) -> OutputRecord:
    stamp = record.timestamp(START + dt.timedelta(seconds=seconds))
    return OutputRecord(TASK, seq, stamp, record.STDOUT, text)


def metric_line(seq: int, step: int | None = None, **values: float) -> OutputRecord:
    line = {"metrics": values} | ({} if step is None else {"step": step})
    return out(seq, orjson.dumps(line).decode() + "\n")


def append(store: LogStore, records: list[OutputRecord | StatusRecord]) -> Appended:
    """Store ``records`` with what their output says, as /sync does."""
    return store.append(records, progress.findings(records))


def series(store: LogStore) -> dict[str, list[list[float]]]:
    return orjson.loads(store.series(TASK))["series"]


def progress_of(store: LogStore) -> tuple[float | None, float | None]:
    info = store.task(TASK)
    assert info is not None
    return info.progress, info.eta_seconds


def test_a_tqdm_frame_sets_progress_and_its_own_eta(store: LogStore) -> None:
    appended = append(store, [out(1, " 42%|████▏     | 42/100 [00:10<00:14, 4.2it/s]\r")])
    assert progress_of(store) == (0.42, 14.0)
    assert appended.progress == {TASK: (0.42, 14.0)}


def test_without_an_estimate_the_eta_follows_from_the_rate_so_far(store: LogStore) -> None:
    append(store, [out(1, '{"progress": 0.1}\n', 0), out(2, '{"progress": 0.2}\n', 10)])
    fraction, eta = progress_of(store)
    assert fraction == 0.2
    assert eta == pytest.approx(80.0)  # 0.1 per 10 s, 0.8 to go
    append(store, [out(3, '{"progress": 0.6}\n', 20)])
    assert progress_of(store) == (0.6, pytest.approx(20 / 0.5 * 0.4))


def test_a_bar_that_starts_again_measures_its_rate_afresh(store: LogStore) -> None:
    append(store, [out(1, "50%\r", 0), out(2, "90%\r", 100)])
    append(store, [out(3, "0%\r", 200), out(4, "10%\r", 210)])  # epoch 2's bar
    assert progress_of(store) == (0.1, pytest.approx(90.0))


def test_a_batch_of_thousands_of_frames_ends_as_the_frames_would_one_by_one(
    store: LogStore,
) -> None:
    first = [out(seq, f"{seq / 50:.0f}%\r", seq / 100) for seq in range(1, 5001)]  # 0..100%
    again = [out(seq, f"{(seq - 5000) / 50:.0f}%\r", seq / 100) for seq in range(5001, 5501)]
    append(store, first + again)  # one batch: a bar to 100%, then a new one to 10%
    assert progress_of(store) == (0.1, pytest.approx(90 * 5 / 10, rel=0.02))


def test_the_latest_progress_printed_wins_whatever_order_batches_arrive_in(
    store: LogStore,
) -> None:
    store.create_task(TASK, "x")
    assert append(store, [out(2, "70%\r"), out(3, "80%\r")]).progress == {}  # parked: gap at 1
    assert progress_of(store) == (None, None)
    appended = append(store, [out(1, "10%\r")])
    assert progress_of(store)[0] == 0.8
    assert appended.progress[TASK][0] == 0.8


def test_a_resent_batch_adds_no_metric_point_and_changes_no_progress(store: LogStore) -> None:
    batch = [metric_line(1, loss=0.5), out(2, "30%\r"), metric_line(3, loss=0.4)]
    first = append(store, batch)
    assert first.points == {TASK: {"loss": [b"[0,0.5]", b"[1,0.4]"]}}
    append(store, [out(4, "40%\r")])
    again = append(store, batch)
    assert (again.stored, again.progress, again.points) == (0, {}, {})
    assert series(store) == {"loss": [[0, 0.5], [1, 0.4]]}
    assert progress_of(store)[0] == 0.4


def test_steps_count_from_zero_unless_a_line_gives_its_own(store: LogStore) -> None:
    append(
        store,
        [
            metric_line(1, loss=3.0),
            metric_line(2, loss=2.0),
            metric_line(3, step=10, loss=1.0, acc=0.5),
            metric_line(4, loss=0.5),
        ],
    )
    assert series(store) == {
        "loss": [[0, 3.0], [1, 2.0], [10, 1.0], [11, 0.5]],
        "acc": [[10, 0.5]],
    }


def test_values_and_steps_keep_every_digit(store: LogStore) -> None:
    append(store, [metric_line(1, step=2**60, x=0.1 + 0.2, y=12345678901234567)])
    assert series(store) == {"x": [[2**60, 0.30000000000000004]], "y": [[2**60, 12345678901234567]]}


def test_a_series_keeps_at_most_the_bound_spread_over_the_whole_run(store: LogStore) -> None:
    total = 2 * metrics.MAX_POINTS + 6  # the latest point falls between two kept ones
    for first in range(1, total + 1, 5000):
        append(
            store,
            [metric_line(seq, loss=seq) for seq in range(first, min(first + 5000, total + 1))],
        )
    points = series(store)["loss"]
    assert len(points) <= metrics.MAX_POINTS + 1
    steps = [step for step, _value in points]
    assert steps[0] == 0 and steps[-1] == total - 1  # the first and the latest point
    gaps = {b - a for a, b in itertools.pairwise(steps[:-1])}
    assert gaps == {4}  # evenly spread: every 4th point since the bound was passed twice


def test_a_task_has_at_most_the_bound_of_series(store: LogStore) -> None:
    names = {f"m{i:02}": float(i) for i in range(metrics.MAX_SERIES + 3)}
    append(store, [metric_line(1, **names)])
    assert list(series(store)) == list(names)[: metrics.MAX_SERIES]


def test_a_task_without_metrics_has_no_series(store: LogStore) -> None:
    append(store, [out(1, "hello\n")])
    assert series(store) == {}


def test_last_output_at_is_the_time_of_the_latest_output_record(store: LogStore) -> None:
    store.create_task(TASK, "x")
    append(store, [out(1, "a\n", 5), out(2, "b\n", 7)])
    append(store, [record.status(TASK, 3, State.SUCCESS, 0)])  # a status is not output
    info = store.task(TASK)
    assert info is not None
    assert info.last_output_at == record.timestamp(START + dt.timedelta(seconds=7))


def test_a_finished_task_shows_no_eta(store: LogStore) -> None:
    store.create_task(TASK, "x")
    append(store, [out(1, " 50%|#####     | 5/10 [00:05<00:05]\r")])
    append(store, [record.status(TASK, 2, State.SUCCESS, 0)])
    info = store.task(TASK)
    assert info is not None
    assert (info.to_json()["progress"], info.to_json()["eta_seconds"]) == (0.5, None)


def test_ended_tasks_are_queued_once_for_the_webhook(redis_url: str) -> None:
    store = LogStore.from_url(redis_url, queue_ended=True)
    store.redis.flushdb()
    ending = [out(1, "x\n"), record.status(TASK, 2, State.FAILURE, 3)]
    append(store, ending)
    append(store, ending)
    assert store.redis.lrange(keys.ENDED, 0, -1) == [TASK.encode()]


def test_no_queue_of_ended_tasks_without_a_webhook(store: LogStore) -> None:
    append(store, [record.status(TASK, 1, State.SUCCESS, 0)])
    assert store.redis.llen(keys.ENDED) == 0


def test_metric_series_expire_with_the_finished_log(redis_url: str) -> None:
    store = LogStore.from_url(redis_url, log_ttl=60)
    store.redis.flushdb()
    append(store, [metric_line(1, loss=1.0, acc=0.1)])
    append(store, [record.status(TASK, 2, State.SUCCESS, 0)])
    keys = store.redis.keys("*")
    assert len(keys) >= 5
    assert all(0 < store.redis.ttl(key) <= 60 for key in keys if b":tasks" not in key), keys
