"""Progress and metrics through the real pipeline: worker -> file -> shipper -> /sync -> store ->
HTTP and Socket.IO."""

from __future__ import annotations

import shlex
import sys
import threading
import time
from typing import Any

from tests.support.stack import Stack
from tests.support.waiting import wait_for


def python(program: str) -> str:
    return f"{shlex.quote(sys.executable)} -c {shlex.quote(program)}"


def progress_seen_while_running(stack: Stack, task_id: str) -> list[tuple[float, float | None]]:
    """Every distinct (progress, eta_seconds) GET /tasks/ID showed until the task ended."""
    seen: list[tuple[float, float | None]] = []

    def ended() -> bool:
        task = stack.task(task_id)
        if task["state"] == "STARTED" and task["progress"] is not None:
            pair = (task["progress"], task["eta_seconds"])
            if not seen or seen[-1] != pair:
                seen.append(pair)
        return task["state"] in ("SUCCESS", "FAILURE", "REVOKED")

    wait_for(ended, 60, f"task {task_id} to end", interval=0.05)
    return seen


def test_a_real_tqdm_bar_gives_progress_and_its_eta_while_the_task_runs(stack: Stack) -> None:
    task_id = stack.enqueue(
        python(
            "import time\n"
            "from tqdm import tqdm\n"
            "for _ in tqdm(range(20), mininterval=0):\n"
            "    time.sleep(0.15)\n"
        )
    )
    seen = progress_seen_while_running(stack, task_id)
    fractions = [fraction for fraction, _eta in seen]
    assert len(seen) >= 3, seen
    assert all(f in [n / 20 for n in range(21)] for f in fractions), seen  # tqdm's n/total
    assert fractions == sorted(fractions)
    assert any(eta is not None and 0 < eta <= 3 for _f, eta in seen), seen  # tqdm's own [..<00:02]
    final = stack.task(task_id)
    assert (final["progress"], final["eta_seconds"]) == (1.0, None)


def test_a_redrawn_percentage_gives_progress_and_an_eta_from_the_rate(stack: Stack) -> None:
    task_id = stack.enqueue(
        "for p in 10 20 30 40 50 60; do printf '\\r%d%% copied' $p; sleep 0.3; done"
    )
    seen = progress_seen_while_running(stack, task_id)
    assert [f for f, _eta in seen][-1] == 0.6
    assert {f for f, _eta in seen} <= {0.1, 0.2, 0.3, 0.4, 0.5, 0.6}
    # 10% per 0.3 s: the rest takes about 1.2 s at 60% (timing on a busy machine varies).
    etas = [eta for f, eta in seen if f >= 0.3]
    assert etas and all(eta is not None and 0.3 < eta < 10 for eta in etas), seen


def test_json_progress_lines_give_progress(stack: Stack) -> None:
    task_id = stack.enqueue(
        "for p in 0.25 0.5 0.75; do echo '{\"progress\": '$p'}'; sleep 0.3; done; sleep 0.5"
    )
    seen = progress_seen_while_running(stack, task_id)
    assert [f for f, _eta in seen] == [0.25, 0.5, 0.75]
    log = stack.http.get(stack.url(f"/tasks/{task_id}/log"), timeout=10).text
    assert log == '{"progress": 0.25}\n{"progress": 0.5}\n{"progress": 0.75}\n'


def test_metric_series_come_back_with_the_right_points(stack: Stack) -> None:
    task_id = stack.enqueue(
        python(
            "import json\n"
            "for step in range(5):\n"
            "    line = {'metrics': {'loss': 1 / (step + 1), 'lr': 0.1}, 'step': step * 10}\n"
            "    print(json.dumps(line))\n"
            "print(json.dumps({'metrics': {'loss': 0.01}}))\n"  # no step: the last one + 1
            "print('not a metric')\n"
        )
    )
    stack.wait_finished(task_id)
    reply = stack.http.get(stack.url(f"/tasks/{task_id}/metrics"), timeout=10)
    assert reply.status_code == 200
    assert reply.json() == {
        "series": {
            "loss": [[0, 1.0], [10, 0.5], [20, 1 / 3], [30, 0.25], [40, 0.2], [41, 0.01]],
            "lr": [[0, 0.1], [10, 0.1], [20, 0.1], [30, 0.1], [40, 0.1]],
        }
    }


class Events:
    """What a Socket.IO client heard, with when it heard it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.progress: list[tuple[float, dict[str, Any]]] = []
        self.metrics: list[dict[str, Any]] = []
        self.ended = threading.Event()

    def on_progress(self, data: dict[str, Any]) -> None:
        with self.lock:
            self.progress.append((time.monotonic(), data))

    def on_metrics(self, data: dict[str, Any]) -> None:
        with self.lock:
            self.metrics.append(data)

    def on_status(self, data: dict[str, Any]) -> None:
        if data["state"] in ("SUCCESS", "FAILURE", "REVOKED"):
            self.ended.set()


def test_progress_events_are_throttled_under_ten_thousand_updates_a_second(stack: Stack) -> None:
    # About 4 s of a bar redrawn as fast as Python can print: tens of thousands of frames.
    busy_bar = python(
        "import sys, time\n"
        "end, n = time.monotonic() + 4, 0\n"
        "while time.monotonic() < end:\n"
        "    n += 1\n"
        "    sys.stderr.write(f'\\r{n % 100}%')\n"
        "print()\n"
    )
    heard = Events()
    with stack.socket_client() as client:
        client.on("progress", heard.on_progress)
        client.on("status", heard.on_status)
        assert client.call("watch_tasks", timeout=10) == {"ok": True}
        task_id = stack.enqueue(busy_bar)
        assert client.call("subscribe", {"task_id": task_id}, timeout=10) == {"ok": True}
        assert heard.ended.wait(60), "the task did not end"
        time.sleep(1)  # the last throttled event of the burst
    final = stack.permlog(task_id)
    frames = final["records"][1:-1]
    assert len(frames) > 10_000, len(frames)  # the program really redrew that often
    mine = [(when, data) for when, data in heard.progress if data["task_id"] == task_id]
    assert mine, "no progress event"
    span = mine[-1][0] - mine[0][0]
    # At most 4 a second (one per 0.25 s), each heard once although the client is in both rooms.
    assert len(mine) <= span / 0.25 + 2, (len(mine), span)
    last_frame = [r["log"] for r in frames if r["stream"] == "stderr" and r["log"].strip()][-1]
    assert mine[-1][1]["progress"] == int(last_frame.strip().rstrip("%")) / 100  # the last wins


def test_metrics_events_carry_new_points_live(stack: Stack) -> None:
    heard = Events()
    program = python(
        "import json, time\n"
        "for step in range(12):\n"
        "    print(json.dumps({'metrics': {'loss': step / 10}}), flush=True)\n"
        "    time.sleep(0.1)\n"
    )
    with stack.socket_client() as client:
        client.on("metrics", heard.on_metrics)
        client.on("status", heard.on_status)
        task_id = stack.enqueue(program)
        assert client.call("subscribe", {"task_id": task_id}, timeout=10) == {"ok": True}
        assert heard.ended.wait(30), "the task did not end"
        wait_for(
            lambda: sum(len(m["series"]["loss"]) for m in heard.metrics) >= 12, 5, "all points"
        )
    points = [p for event in heard.metrics for p in event["series"]["loss"]]
    assert points == [[step, step / 10] for step in range(12)]
    assert len(heard.metrics) > 1  # they came as the task printed them, not all at the end
    assert not any(event["reload"] for event in heard.metrics)
