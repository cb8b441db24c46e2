"""The throttle behind progress and metrics events: the first at once, then one per interval, and
never losing the last value of a burst."""

from __future__ import annotations

from joblook.store.logstore import Appended
from joblook.web import livestats
from joblook.web.livestats import LiveStats

TASK = "5f2b8a1e-3c4d-4e5f-8a9b-0c1d2e3f4a5b"
OTHER = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


Sent = list[tuple[str, dict[str, object], list[str]]]


def throttle() -> tuple[LiveStats, Sent, Clock]:
    sent: Sent = []
    clock = Clock()
    stats = LiveStats(lambda e, d, r: sent.append((e, d, r)), tasks_room="tasks", clock=clock)
    return stats, sent, clock


def progress(task_id: str, fraction: float, eta: float | None = None) -> Appended:
    return Appended(stored=1, state_changed=[], progress={task_id: (fraction, eta)})


def points(task_id: str, name: str, *texts: bytes) -> Appended:
    return Appended(stored=len(texts), state_changed=[], points={task_id: {name: list(texts)}})


def test_the_first_progress_goes_out_at_once_to_the_task_and_the_task_list() -> None:
    stats, sent, _clock = throttle()
    stats.note(progress(TASK, 0.25, 30.0))
    assert stats.flush() is None
    assert sent == [
        ("progress", {"task_id": TASK, "progress": 0.25, "eta_seconds": 30.0}, [TASK, "tasks"])
    ]


def test_a_burst_becomes_one_event_per_interval_carrying_the_latest_value() -> None:
    stats, sent, clock = throttle()
    stats.note(progress(TASK, 0.01))
    stats.flush()
    for n in range(2, 10_000):
        stats.note(progress(TASK, n / 10_000))
        wait = stats.flush()
        assert wait is not None and 0 < wait <= livestats.INTERVAL
    assert len(sent) == 1  # the clock has not moved: everything after the first waits
    clock.now += livestats.INTERVAL
    assert stats.flush() is None
    assert [d["progress"] for _e, d, _r in sent] == [0.01, 0.9999]


def test_tasks_are_throttled_separately() -> None:
    stats, sent, _clock = throttle()
    stats.note(progress(TASK, 0.1))
    stats.note(progress(OTHER, 0.2))
    stats.flush()
    assert {d["task_id"] for _e, d, _r in sent} == {TASK, OTHER}


def test_metric_points_gather_between_sends_and_go_to_the_task_room_only() -> None:
    stats, sent, clock = throttle()
    stats.note(points(TASK, "loss", b"[0,1.5]"))
    stats.flush()
    stats.note(points(TASK, "loss", b"[1,1.2]"))
    stats.note(points(TASK, "loss", b"[2,0.9]"))
    stats.note(points(TASK, "acc", b"[2,0.5]"))
    stats.flush()
    clock.now += livestats.INTERVAL
    stats.flush()
    assert sent == [
        ("metrics", {"task_id": TASK, "series": {"loss": [[0, 1.5]]}, "reload": False}, [TASK]),
        (
            "metrics",
            {"task_id": TASK, "series": {"loss": [[1, 1.2], [2, 0.9]], "acc": [[2, 0.5]]},
             "reload": False},
            [TASK],
        ),
    ]  # fmt: skip


def test_too_many_points_between_sends_ask_the_page_to_reload_the_series() -> None:
    stats, sent, clock = throttle()
    stats.note(points(TASK, "loss", b"[0,1]"))
    stats.flush()
    many = [f"[{n},1]".encode() for n in range(1, livestats.MAX_PENDING_POINTS + 11)]
    stats.note(points(TASK, "loss", *many))
    clock.now += livestats.INTERVAL
    stats.flush()
    _event, payload, _rooms = sent[-1]
    assert payload["reload"] is True
    assert len(payload["series"]["loss"]) == livestats.MAX_PENDING_POINTS  # type: ignore[index]


def test_an_append_without_news_wakes_nothing() -> None:
    stats, sent, _clock = throttle()
    stats.note(Appended(stored=5, state_changed=[]))
    assert stats.flush() is None
    assert sent == []
