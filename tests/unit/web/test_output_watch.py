"""``output_match`` events: a home page filtering by output hears of tasks whose new lines match."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from joblook import record
from joblook.record import OutputRecord
from joblook.store.logstore import LogStore
from joblook.web.extensions import socketio
from tests.unit.web.conftest import AppFactory


def sync(client: FlaskClient, task_id: str, seq: int, log: str) -> None:
    body = record.encode(OutputRecord(task_id, seq, record.timestamp(), record.STDOUT, log))
    reply = client.post("/sync", data=body, content_type="application/x-ndjson")
    assert reply.status_code == 200, reply.get_data(as_text=True)


def matches(received: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [
        (event["args"][0]["q"], event["args"][0]["task"]["task_id"])
        for event in received
        if event["name"] == "output_match"
    ]


def test_a_task_whose_new_lines_match_the_filter_is_announced_once_a_while(
    make_app: AppFactory, store: LogStore
) -> None:
    app = make_app(message_queue=False)
    with app.test_client() as client:
        found = client.post("/enqueue", json={"cmd": "echo x"}).get_json()["task_id"]
        other = client.post("/enqueue", json={"cmd": "echo y"}).get_json()["task_id"]
        page = socketio.test_client(app, flask_test_client=client)
        assert page.emit("watch_output", {"q": "Needle"}, callback=True) == {"ok": True}
        sync(client, other, 1, "hay\nmore hay\n")
        sync(client, found, 1, "hay\nsome needle here\nhay\n")
        sync(client, found, 2, "another needle\n")  # within ANNOUNCE_EVERY: not again
        received = page.get_received()
        page.disconnect()
    assert matches(received) == [("Needle", found)]


def test_only_the_lines_just_added_are_searched(make_app: AppFactory, store: LogStore) -> None:
    app = make_app(message_queue=False)
    with app.test_client() as client:
        task_id = client.post("/enqueue", json={"cmd": "echo x"}).get_json()["task_id"]
        sync(client, task_id, 1, "an old needle\n")
        page = socketio.test_client(app, flask_test_client=client)
        page.emit("watch_output", {"q": "needle"}, callback=True)
        sync(client, task_id, 2, "nothing to see\n")  # the old line is not searched again
        received = page.get_received()
        page.disconnect()
    assert matches(received) == []


def test_watch_output_refuses_a_text_that_cannot_be_searched(make_app: AppFactory) -> None:
    app = make_app(message_queue=False)
    page = socketio.test_client(app)
    empty = page.emit("watch_output", {"q": ""}, callback=True)
    wrong = page.emit("watch_output", "needle", callback=True)
    page.disconnect()
    assert empty == {"ok": False, "error": "q must not be empty"}
    assert wrong == {"ok": False, "error": "watch_output needs {q: <text>}"}
