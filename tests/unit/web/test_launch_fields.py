"""Every way to launch raw commands takes the same launch fields, checked by the same rules:
a command, a chain and a group through ``POST /enqueue``, and a schedule through
``POST /schedules``."""

from __future__ import annotations

import base64
from typing import Any

import orjson
import pytest
from flask.testing import FlaskClient

from joblook.store.logstore import LogStore
from joblook.store.secrets import new_key
from tests.unit.web.conftest import AppFactory

LAUNCHES: dict[str, tuple[str, dict[str, Any]]] = {
    "command": ("/enqueue", {"cmd": "env"}),
    "chain": ("/enqueue", {"chain": ["env", "true"]}),
    "group": ("/enqueue", {"group": ["env", "true"]}),
    "schedule": ("/schedules", {"cmd": "env", "every": 3600}),
}
BAD_FIELDS: list[dict[str, Any]] = [
    {"queue": "no spaces"},
    {"gpus": -1},
    {"gpus": "2"},
    {"secrets": ["bad-name"]},
    {"secrets": "DB_PASSWORD"},
    {"notify": ["not a url"]},
    {"timeout": 0},
]


@pytest.fixture
def keyed(make_app: AppFactory) -> FlaskClient:
    """A client of an app with JOBLOOK_SECRET_KEY set and one secret, DB_PASSWORD."""
    client = make_app(JOBLOOK_SECRET_KEY=new_key()).test_client()
    assert client.put("/secrets/DB_PASSWORD", json={"value": "hunter2"}).status_code == 200
    return client


def _refusal(client: FlaskClient, launch: str, fields: dict[str, Any]) -> tuple[int, Any]:
    path, body = LAUNCHES[launch]
    reply = client.post(path, json=body | fields)
    return reply.status_code, reply.get_json()


@pytest.mark.parametrize("fields", BAD_FIELDS, ids=lambda f: "-".join(map(str, f.items())))
def test_a_bad_launch_field_gets_the_same_400_from_every_kind_of_launch(
    keyed: FlaskClient, store: LogStore, fields: dict[str, Any]
) -> None:
    answers = {launch: _refusal(keyed, launch, fields) for launch in LAUNCHES}
    assert {status for status, _body in answers.values()} == {400}, answers
    assert len({orjson.dumps(body) for _status, body in answers.values()}) == 1, answers
    assert store.redis.llen("celery") == 0  # nothing was queued


def test_an_unknown_secret_is_the_same_400_for_every_kind_of_launch(keyed: FlaskClient) -> None:
    for launch in LAUNCHES:
        assert _refusal(keyed, launch, {"secrets": ["NOT_SET"]}) == (
            400,
            {"error": "unknown secret: NOT_SET", "detail": {"unknown": ["NOT_SET"]}},
        ), launch
    assert keyed.get("/schedules").get_json()["schedules"] == []


def test_a_schedule_keeps_its_launch_fields_and_shows_notify_masked(keyed: FlaskClient) -> None:
    fields = {"queue": "gpu", "gpus": 1, "secrets": ["DB_PASSWORD"], "timeout": 60,
              "notify": ["json://hooks.example.com/secret-key"]}  # fmt: skip
    status, made = _refusal(keyed, "schedule", fields)
    assert status == 201, made
    shown = {key: made[key] for key in fields}
    assert shown == fields | {"notify": ["json://***"]}


@pytest.mark.parametrize("launch", ["chain", "group"])
def test_a_chain_or_group_step_carries_its_secret_names_and_notify(
    keyed: FlaskClient, store: LogStore, launch: str
) -> None:
    fields = {"secrets": ["DB_PASSWORD"], "notify": ["json://hooks.example.com/x"]}
    status, queued = _refusal(keyed, launch, fields)
    assert status == 202, queued
    first = orjson.loads(store.redis.lrange("celery", -1, -1)[0])
    body = orjson.loads(base64.b64decode(first["body"]))
    assert body[1]["secrets"] == ["DB_PASSWORD"]
    step = keyed.get(f"/tasks/{queued['steps'][0]}").get_json()
    assert step["notify"] == ["json://***"]


def test_the_openapi_document_gives_every_launch_the_same_launch_fields(
    keyed: FlaskClient,
) -> None:
    schemas = keyed.get("/openapi.json").get_json()["components"]["schemas"]

    def properties(name: str) -> dict[str, Any]:
        return next(schema for key, schema in schemas.items() if key.startswith(name))["properties"]

    command = properties("CommandForm")
    launch = ("timeout", "queue", "gpus", "notify", "secrets")
    for name in ("ChainForm", "GroupForm", "ScheduleRequest"):
        found = properties(name)
        assert [found.get(key) for key in launch] == [command[key] for key in launch], name
