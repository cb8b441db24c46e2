"""Progress and metrics over HTTP and Socket.IO, as /sync stores them."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from joblook import record
from joblook.record import OutputRecord, State
from joblook.web.extensions import socketio
from tests.support.waiting import wait_for
from tests.unit.web.conftest import AppFactory
from tests.unit.web.test_tasks import enqueue


def sync(client: FlaskClient, task_id: str, first_seq: int, *logs: str) -> None:
    records = [
        record.encode(OutputRecord(task_id, seq, record.timestamp(), record.STDERR, log))
        for seq, log in enumerate(logs, start=first_seq)
    ]
    reply = client.post("/sync", data=b"\n".join(records), content_type="application/x-ndjson")
    assert reply.status_code == 200, reply.get_json()


def test_a_task_says_how_far_along_it_is_and_when_it_last_printed(client: FlaskClient) -> None:
    task_id = enqueue(client, "python train.py")
    before = client.get(f"/tasks/{task_id}").get_json()
    assert (before["progress"], before["eta_seconds"], before["last_output_at"]) == (None,) * 3
    sync(client, task_id, 1, "epoch 1\n", "train:  30%|███       | 3/10 [00:03<00:07, 1.00it/s]\r")
    info = client.get(f"/tasks/{task_id}").get_json()
    assert (info["progress"], info["eta_seconds"]) == (0.3, 7.0)
    assert info["last_output_at"] is not None
    listed = client.get("/tasks").get_json()["tasks"][0]
    assert (listed["task_id"], listed["progress"]) == (task_id, 0.3)


def test_metrics_are_served_as_series_of_step_value_points(client: FlaskClient) -> None:
    task_id = enqueue(client, "python train.py")
    sync(
        client,
        task_id,
        1,
        '{"metrics": {"loss": 0.9, "acc": 0.1}, "step": 10}\n',
        "some other line\n",
        '{"metrics": {"loss": 0.5}}\n',
    )
    reply = client.get(f"/tasks/{task_id}/metrics")
    assert reply.status_code == 200
    assert reply.get_json() == {"series": {"loss": [[10, 0.9], [11, 0.5]], "acc": [[10, 0.1]]}}
    log = client.get(f"/tasks/{task_id}/log").get_data(as_text=True)
    assert '{"metrics": {"loss": 0.5}}' in log  # the raw lines stay in the log


def test_metrics_of_an_unknown_or_malformed_task_id_are_errors(client: FlaskClient) -> None:
    assert client.get(f"/tasks/{record.new_task_id()}/metrics").status_code == 404
    assert client.get("/tasks/nope/metrics").status_code == 400


def test_a_task_without_metrics_has_no_series(client: FlaskClient) -> None:
    task_id = enqueue(client, "true")
    assert client.get(f"/tasks/{task_id}/metrics").get_json() == {"series": {}}


def events_named(received: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [e["args"][0] for e in received if e["name"] == name]


def test_progress_and_metrics_events_reach_the_task_page_and_the_task_list(
    make_app: AppFactory,
) -> None:
    app = make_app(message_queue=False)
    with app.test_client() as client:
        task_id = enqueue(client, "python train.py")
        client.post(
            "/sync",
            data=record.encode(record.status(task_id, 1, State.STARTED, None)),
            content_type="application/json",
        )
        page = socketio.test_client(app, flask_test_client=client)
        home = socketio.test_client(app, flask_test_client=client)
        assert page.emit("subscribe", {"task_id": task_id}, callback=True) == {"ok": True}
        assert home.emit("watch_tasks", callback=True) == {"ok": True}
        sync(client, task_id, 2, "42%\r", '{"metrics": {"loss": 0.25}, "step": 3}\n')
        at_page: list[dict[str, Any]] = []
        at_home: list[dict[str, Any]] = []

        def heard() -> bool:
            at_page.extend(page.get_received())
            at_home.extend(home.get_received())
            return bool(events_named(at_page, "metrics") and events_named(at_home, "progress"))

        wait_for(heard, 5, "progress and metrics events")
        expected = {"task_id": task_id, "progress": 0.42, "eta_seconds": None}
        assert events_named(at_home, "progress") == [expected]
        assert events_named(at_page, "progress") == [expected]
        assert events_named(at_page, "metrics") == [
            {"task_id": task_id, "series": {"loss": [[3, 0.25]]}, "reload": False}
        ]
        assert events_named(at_home, "metrics") == []  # charts are for the task's page only
        page.disconnect()
        home.disconnect()
