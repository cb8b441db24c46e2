"""The API's happy paths, against the app with a real Redis (no worker: nothing runs here)."""

from __future__ import annotations

from flask.testing import FlaskClient

from joblook import record
from joblook.record import TERMINAL_STATES
from tests.unit.web.conftest import AppFactory


def test_enqueue_replies_202_with_a_new_task_that_starts_pending(client: FlaskClient) -> None:
    reply = client.post("/enqueue", json={"cmd": "echo hi"})
    assert reply.status_code == 202
    task_id = reply.get_json()["task_id"]
    assert record.is_task_id(task_id)
    log = client.get(f"/permlog?task_id={task_id}").get_json()
    assert log == {
        "task_id": task_id,
        "state": "PENDING",
        "exit_code": None,
        "last_seq": 0,
        "records": [],
    }


def test_a_chain_replies_with_its_parent_and_steps_each_a_task_of_its_own(
    client: FlaskClient,
) -> None:
    reply = client.post("/enqueue", json={"chain": ["make data", "make train"], "timeout": 60})
    assert reply.status_code == 202
    parent, steps = reply.get_json()["task_id"], reply.get_json()["steps"]
    assert len(steps) == 2
    info = client.get(f"/tasks/{parent}").get_json()
    assert (info["kind"], info["steps"], info["state"]) == ("chain", steps, "PENDING")
    assert info["cmd"] == "make data → make train"
    first = client.get(f"/tasks/{steps[0]}").get_json()
    assert (first["cmd"], first["parent"], first["timeout"]) == ("make data", parent, 60.0)


def test_two_enqueues_get_different_task_ids(client: FlaskClient) -> None:
    first = client.post("/enqueue", json={"cmd": "true"}).get_json()["task_id"]
    second = client.post("/enqueue", json={"cmd": "true"}).get_json()["task_id"]
    assert first != second


def test_the_api_needs_the_user_token_when_one_is_set(make_app: AppFactory) -> None:
    with make_app(JOBLOOK_TOKEN="user-secret").test_client() as client:
        assert client.post("/enqueue", json={"cmd": "true"}).status_code == 401
        wrong = {"Authorization": "Bearer nope"}
        assert client.post("/enqueue", json={"cmd": "true"}, headers=wrong).status_code == 403
        right = {"Authorization": "Bearer user-secret"}
        assert client.post("/enqueue", json={"cmd": "true"}, headers=right).status_code == 202


def test_healthz_reports_redis_and_the_number_of_workers(client: FlaskClient) -> None:
    reply = client.get("/healthz")
    assert reply.status_code == 200
    assert reply.get_json() == {"ok": True, "redis": "ok", "workers": 0}


def test_the_pages_are_served(client: FlaskClient) -> None:
    with client.get("/") as home:
        assert home.status_code == 200
        assert b'name="cmd"' in home.data
    with client.get("/task?task_id=5f2b8a1e-3c4d-4e5f-8a9b-0c1d2e3f4a5b") as task_page:
        assert task_page.status_code == 200
        assert b"task.js" in task_page.data


def test_config_tells_the_pages_where_flower_is_and_when_a_task_looks_stalled(
    make_app: AppFactory,
) -> None:
    with make_app().test_client() as client:
        config = client.get("/config").get_json()
        assert config["flower_url"] == "http://127.0.0.1:5555/"  # JOBLOOK_PUBLIC_URL's host
        assert config["stall_seconds"] == 600.0
    custom = make_app(JOBLOOK_FLOWER_URL="https://flower.example/", JOBLOOK_STALL_SECONDS="30")
    with custom.test_client() as client:
        config = client.get("/config").get_json()
        assert (config["flower_url"], config["stall_seconds"]) == ("https://flower.example/", 30.0)


def test_config_gives_the_pages_the_task_states_from_the_record(client: FlaskClient) -> None:
    config = client.get("/config").get_json()
    assert config["states"] == ["PENDING", "STARTED", "SUCCESS", "FAILURE", "REVOKED"]
    assert set(config["terminal_states"]) == TERMINAL_STATES == {"SUCCESS", "FAILURE", "REVOKED"}


def test_browser_libraries_come_from_node_modules_by_name_only(client: FlaskClient) -> None:
    with client.get("/vendor/socket.io.esm.min.js") as vendor:
        assert vendor.status_code == 200
        assert vendor.mimetype == "text/javascript"
    assert client.get("/vendor/package.json").status_code == 404
