"""The task list and task events, which the home page is built on."""

from __future__ import annotations

from flask.testing import FlaskClient

from joblook import record
from joblook.record import State
from joblook.web.extensions import socketio
from tests.support.waiting import wait_for
from tests.unit.web.conftest import AppFactory


def enqueue(client: FlaskClient, cmd: str) -> str:
    return str(client.post("/enqueue", json={"cmd": cmd}).get_json()["task_id"])


def test_tasks_are_listed_newest_first_with_paging(client: FlaskClient) -> None:
    ids = [enqueue(client, f"echo {n}") for n in range(4)]
    page = client.get("/tasks?limit=2").get_json()["tasks"]
    assert [t["task_id"] for t in page] == [ids[3], ids[2]]
    assert page[0]["cmd"] == "echo 3"
    assert page[0]["state"] == "PENDING"
    older = client.get(f"/tasks?limit=10&before={page[-1]['created_at']}").get_json()["tasks"]
    assert [t["task_id"] for t in older] == [ids[1], ids[0]]


def test_tasks_can_be_filtered_by_state(client: FlaskClient) -> None:
    pending = enqueue(client, "true")
    started = enqueue(client, "sleep 9")
    status = record.encode(record.status(started, 1, State.STARTED, None))
    client.post("/sync", data=status, content_type="application/json")
    only_started = client.get("/tasks?state=STARTED").get_json()["tasks"]
    assert [t["task_id"] for t in only_started] == [started]
    assert pending in [t["task_id"] for t in client.get("/tasks?state=PENDING").get_json()["tasks"]]
    assert client.get("/tasks?state=RUNNING").status_code == 400


def test_one_task_is_described_and_an_unknown_one_is_404(client: FlaskClient) -> None:
    task_id = enqueue(client, "make train")
    info = client.get(f"/tasks/{task_id}").get_json()
    assert (info["task_id"], info["cmd"], info["state"], info["records"]) == (
        task_id, "make train", "PENDING", 0
    )  # fmt: skip
    assert client.get(f"/tasks/{record.new_task_id()}").status_code == 404
    assert client.get("/tasks/not-a-uuid").status_code == 400
    assert client.get("/tasks?before=yesterday").status_code == 400


def test_watchers_hear_about_new_tasks_and_state_changes(make_app: AppFactory) -> None:
    app = make_app(message_queue=False)
    with app.test_client() as client:
        watcher = socketio.test_client(app, flask_test_client=client)
        assert watcher.emit("watch_tasks", callback=True) == {"ok": True}
        task_id = enqueue(client, "sleep 1")
        status = record.encode(record.status(task_id, 1, State.STARTED, None))
        client.post("/sync", data=status, content_type="application/json")
        received: list[dict] = []

        def heard_both() -> bool:
            received.extend(e["args"][0] for e in watcher.get_received() if e["name"] == "task")
            return [e["state"] for e in received if e["task_id"] == task_id] == [
                "PENDING", "STARTED"
            ]  # fmt: skip

        wait_for(heard_both, 5, "the task events")
        watcher.disconnect()


def test_cancel_records_the_request_and_may_be_repeated(client: FlaskClient) -> None:
    task_id = enqueue(client, "sleep 100")
    first = client.delete(f"/tasks/{task_id}")
    assert first.status_code == 202
    assert first.get_json() == {"task_id": task_id, "cancel_requested": [task_id]}
    assert client.delete(f"/tasks/{task_id}").status_code == 202
    requested = client.get(f"/tasks/{task_id}").get_json()["cancel_requested"]
    assert requested["by"].startswith("api")
    assert requested["at"]


def test_cancelling_a_finished_task_is_a_409_and_unknown_a_404(client: FlaskClient) -> None:
    task_id = enqueue(client, "true")
    done = record.encode(record.status(task_id, 1, State.SUCCESS, 0))
    client.post("/sync", data=done, content_type="application/json")
    reply = client.delete(f"/tasks/{task_id}")
    assert reply.status_code == 409
    assert reply.get_json()["detail"] == {"state": "SUCCESS"}
    assert client.delete(f"/tasks/{record.new_task_id()}").status_code == 404


def test_cancelling_a_chain_cancels_every_unfinished_step(client: FlaskClient) -> None:
    reply = client.post("/enqueue", json={"chain": ["true", "sleep 9", "sleep 9"]}).get_json()
    parent, steps = reply["task_id"], reply["steps"]
    done = record.encode(record.status(steps[0], 1, State.SUCCESS, 0))
    client.post("/sync", data=done, content_type="application/json")
    cancelled = client.delete(f"/tasks/{parent}").get_json()["cancel_requested"]
    assert cancelled == steps[1:]


def test_the_history_is_filtered_by_command_and_with_output_by_output(
    client: FlaskClient,
) -> None:
    deploy = enqueue(client, "make DEPLOY env=prod")
    quiet = enqueue(client, "sleep 1")
    talker = enqueue(client, "python train.py")
    output = record.OutputRecord(
        talker, 1, record.timestamp(), record.STDOUT, "epoch 1\nDeployed\n"
    )
    client.post("/sync", data=record.encode(output), content_type="application/json")

    def listed(query: str) -> list[str]:
        reply = client.get(f"/tasks?{query}")
        assert reply.status_code == 200, reply.get_json()
        return [t["task_id"] for t in reply.get_json()["tasks"]]

    assert listed("q=deploy") == [deploy]
    assert listed("q=deploy&output=1") == [talker, deploy]
    assert listed("q=nothing like it&output=1") == []
    assert quiet in listed("q=")
    assert client.get("/tasks?q=" + "x" * 1001).status_code == 400
    assert client.get("/tasks?q=a%0Ab&output=1").get_json()["error"].startswith("q must be on")
