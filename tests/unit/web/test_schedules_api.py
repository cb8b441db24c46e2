"""/schedules through the app: strict input, the policy, pause and resume, runs with states."""

from __future__ import annotations

from flask.testing import FlaskClient

from joblook.store.logstore import LogStore
from joblook.store.schedules import Run, ScheduleStore
from tests.unit.web.conftest import AppFactory


def create(client: FlaskClient, **body: object) -> dict[str, object]:
    reply = client.post("/schedules", json=body)
    assert reply.status_code == 201, reply.get_json()
    return dict(reply.get_json())


def test_a_created_schedule_is_listed_with_its_next_runs_in_words(client: FlaskClient) -> None:
    made = create(client, cron="0 3 * * *", cmd="echo nightly", name="nightly")
    assert made["description"] == "at 03:00 (UTC)"
    assert len(made["next_runs"]) == 3  # type: ignore[arg-type]
    assert str(made["next_runs"][0]).endswith("T03:00:00.000000Z")  # type: ignore[index]
    listed = client.get("/schedules").get_json()
    assert [s["schedule_id"] for s in listed["schedules"]] == [made["schedule_id"]]
    assert listed["schedulers"] == 0
    assert client.get(f"/schedules/{made['schedule_id']}").get_json() == made


def test_a_bad_cron_is_a_400_that_says_why(client: FlaskClient) -> None:
    reply = client.post("/schedules", json={"cron": "0 3 * *", "cmd": "true"})
    assert reply.status_code == 400
    assert "five fields" in reply.get_json()["error"]


def test_exactly_one_timing_and_one_command_are_required(client: FlaskClient) -> None:
    both = client.post("/schedules", json={"cron": "@daily", "every": 60, "cmd": "true"})
    assert both.get_json()["error"] == "send exactly one of cron or every"
    none = client.post("/schedules", json={"every": 60})
    assert none.get_json()["error"] == "send exactly one of cmd or job"
    assert client.post("/schedules", json={"every": 60, "cmd": "x", "bogus": 1}).status_code == 400


def test_an_interval_below_the_minimum_is_refused(make_app: AppFactory) -> None:
    client = make_app(JOBLOOK_SCHEDULE_MIN_INTERVAL="30").test_client()
    reply = client.post("/schedules", json={"every": 10, "cmd": "true"})
    assert (reply.status_code, reply.get_json()["error"]) == (
        400,
        "every must be at least 30 seconds",
    )
    assert client.post("/schedules", json={"every": 30, "cmd": "true"}).status_code == 201


def test_an_unknown_time_zone_is_refused(client: FlaskClient) -> None:
    reply = client.post("/schedules", json={"cron": "@daily", "cmd": "true", "timezone": "X/Y"})
    assert reply.status_code == 400
    assert "unknown time zone" in reply.get_json()["error"]


def test_the_command_policy_applies_to_a_schedule(make_app: AppFactory) -> None:
    client = make_app(JOBLOOK_ALLOWED_COMMANDS="echo [a-z]+").test_client()
    assert client.post("/schedules", json={"every": 60, "cmd": "rm -rf /"}).status_code == 403
    assert client.post("/schedules", json={"every": 60, "cmd": "echo ok"}).status_code == 201


def test_pausing_empties_the_next_runs_and_resuming_counts_from_now(client: FlaskClient) -> None:
    made = create(client, every=3600, cmd="true")
    path = f"/schedules/{made['schedule_id']}"
    paused = client.patch(path, json={"paused": True}).get_json()
    assert (paused["paused"], paused["next_runs"]) == (True, [])
    resumed = client.patch(path, json={"paused": False}).get_json()
    assert resumed["paused"] is False
    assert resumed["next_runs"][0] >= made["next_runs"][0]  # type: ignore[index]


def test_a_new_cron_replaces_the_interval(client: FlaskClient) -> None:
    made = create(client, every=3600, cmd="true")
    changed = client.patch(f"/schedules/{made['schedule_id']}", json={"cron": "@hourly"})
    assert (changed.get_json()["cron"], changed.get_json()["every"]) == ("@hourly", None)


def test_deleting_a_schedule_forgets_it(client: FlaskClient) -> None:
    made = create(client, every=3600, cmd="true")
    path = f"/schedules/{made['schedule_id']}"
    assert client.delete(path).get_json() == {"schedule_id": made["schedule_id"], "deleted": True}
    assert client.get(path).status_code == 404
    assert client.delete(path).status_code == 404


def test_a_malformed_schedule_id_is_a_400_and_an_unknown_one_a_404(client: FlaskClient) -> None:
    assert client.get("/schedules/nope").status_code == 400
    assert client.get("/schedules/00000000-0000-4000-8000-000000000000").status_code == 404


def test_last_runs_carry_their_tasks_states(client: FlaskClient, store: LogStore) -> None:
    made = create(client, every=3600, cmd="true")
    schedule_id = str(made["schedule_id"])
    task_id = "11111111-1111-4111-8111-111111111111"
    store.create_task(task_id, "true", schedule_id=schedule_id)
    schedules = ScheduleStore(store.redis)
    schedules.add_run(schedule_id, Run(due=100.0, fired_at=100.5, task_id=task_id))
    schedules.add_run(schedule_id, Run(due=200.0, fired_at=200.5, message="not started: no"))
    runs = client.get(f"/schedules/{schedule_id}").get_json()["last_runs"]
    assert [(r["task_id"], r["state"], r["message"]) for r in runs] == [
        (None, None, "not started: no"),
        (task_id, "PENDING", None),
    ]
    assert client.get(f"/tasks/{task_id}").get_json()["schedule_id"] == schedule_id


def test_the_schedules_operations_are_in_the_openapi_document(client: FlaskClient) -> None:
    paths = client.get("/openapi.json").get_json()["paths"]
    assert set(paths["/schedules"]) == {"get", "post"}
    assert set(paths["/schedules/{schedule_id}"]) == {"get", "patch", "delete"}
    (param,) = paths["/schedules/{schedule_id}"]["get"]["parameters"]
    assert param["schema"]["format"] == "uuid"


def test_a_schedules_retries_are_kept_shown_and_changed(client: FlaskClient) -> None:
    made = create(client, every=60, cmd="false", retries=2, retry_delay=1.5)
    assert (made["retries"], made["retry_delay"]) == (2, 1.5)
    path = f"/schedules/{made['schedule_id']}"
    listed = client.get("/schedules").get_json()["schedules"][0]
    assert (listed["retries"], listed["retry_delay"]) == (2, 1.5)
    changed = client.patch(path, json={"retries": 5, "retry_delay": None}).get_json()
    assert (changed["retries"], changed["retry_delay"]) == (5, None)
    plain = create(client, every=60, cmd="true")
    assert (plain["retries"], plain["retry_delay"]) == (None, None)


def test_bad_retries_on_a_schedule_are_a_400_naming_the_field(client: FlaskClient) -> None:
    for body, error in (
        ({"retries": -1}, "retries must be an integer from 0 to 32"),
        ({"retries": "2"}, "retries must be an integer from 0 to 32"),
        ({"retry_delay": 0}, "retry_delay must be a number of seconds above 0, at most 86400"),
    ):
        reply = client.post("/schedules", json={"every": 60, "cmd": "false"} | body)
        assert (reply.status_code, reply.get_json()["error"]) == (400, error)


def test_the_schedule_shapes_document_retries(client: FlaskClient) -> None:
    schemas = client.get("/openapi.json").get_json()["components"]["schemas"]
    named = {name.split(".")[-1]: schema for name, schema in schemas.items()}
    for shape in ("ScheduleRequest", "ScheduleChange", "Schedule"):
        assert {"retries", "retry_delay"} <= set(named[shape]["properties"]), shape
