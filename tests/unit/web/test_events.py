"""Socket.IO events: what a client sends is checked before it reaches the live feed."""

from __future__ import annotations

import pytest

from joblook.web import broadcast
from joblook.web.extensions import socketio
from joblook.web.models import MAX_SAFE_INTEGER
from tests.unit.web.conftest import AppFactory


@pytest.mark.parametrize("after_seq", [-1, MAX_SAFE_INTEGER + 1, 2**64 - 1, 1.5, "3"])
def test_subscribe_refuses_an_after_seq_no_store_read_can_use(
    make_app: AppFactory, after_seq: object
) -> None:
    app = make_app(message_queue=False)
    with app.test_client() as client:
        task_id = client.post("/enqueue", json={"cmd": "true"}).get_json()["task_id"]
        viewer = socketio.test_client(app, flask_test_client=client)
        reply = viewer.emit(
            "subscribe", {"task_id": task_id, "after_seq": after_seq}, callback=True
        )
        viewer.disconnect()
    assert reply == {
        "ok": False,
        "error": f"after_seq must be an integer >= 0 and <= {MAX_SAFE_INTEGER}",
    }


def test_a_viewers_subscribe_works_and_its_cancel_is_refused(make_app: AppFactory) -> None:
    app = make_app(message_queue=False, JOBLOOK_TOKEN="shared-token", JOBLOOK_SYNC_TOKEN="sync")
    users = app.extensions["joblook.users"]
    viewer_token, operator_token = users.add("vic", "viewer"), users.add("otto", "operator")
    with app.test_client() as client:
        admin = {"Authorization": "Bearer shared-token"}
        task_id = client.post("/enqueue", json={"cmd": "sleep 5"}, headers=admin).get_json()[
            "task_id"
        ]
        viewer = socketio.test_client(app, flask_test_client=client, auth={"token": viewer_token})
        subscribed = viewer.emit("subscribe", {"task_id": task_id, "after_seq": 0}, callback=True)
        refused = viewer.emit("cancel", {"task_id": task_id}, callback=True)
        viewer.disconnect()
        assert subscribed == {"ok": True}
        assert refused == {"ok": False, "error": "this needs the operator role"}
        assert client.get(f"/tasks/{task_id}", headers=admin).get_json()["cancelled_by"] is None
        operator = socketio.test_client(
            app, flask_test_client=client, auth={"token": operator_token}
        )
        users.set_role("otto", "viewer")  # demoted while connected: refused at once
        demoted = operator.emit("cancel", {"task_id": task_id}, callback=True)
        assert demoted == {"ok": False, "error": "this needs the operator role"}
        users.set_role("otto", "operator")
        done = operator.emit("cancel", {"task_id": task_id}, callback=True)
        operator.disconnect()
        assert done == {"ok": True, "cancel_requested": [task_id]}
        assert client.get(f"/tasks/{task_id}", headers=admin).get_json()["cancelled_by"] == "otto"


def test_watch_runs_joins_a_parent_s_runs_and_hears_their_task_events(
    make_app: AppFactory,
) -> None:
    app = make_app(message_queue=False)
    with app.test_client() as client:
        reply = client.post("/enqueue", json={"group": ["true", "false"]}).get_json()
        single = client.post("/enqueue", json={"cmd": "true"}).get_json()["task_id"]
        viewer = socketio.test_client(app, flask_test_client=client)
        refused = viewer.emit("watch_runs", {"task_id": single}, callback=True)
        joined = viewer.emit("watch_runs", {"task_id": reply["task_id"]}, callback=True)
        viewer.get_received()
        client.post("/enqueue", json={"cmd": "echo unrelated"})
        with app.app_context():
            broadcast.task_changed(app.extensions["joblook.store"], [reply["steps"][1]])
        heard = [m["args"][0]["task_id"] for m in viewer.get_received() if m["name"] == "task"]
        viewer.disconnect()
    assert refused == {"ok": False, "error": "not a chain, group or sweep"}
    assert joined == {"ok": True, "runs": 2}
    assert heard == [reply["steps"][1], reply["task_id"]]  # the run, then its parent's new view
