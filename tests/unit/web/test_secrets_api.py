"""/secrets through the app: values go in and never come out; bad names change nothing."""

from __future__ import annotations

import base64

import orjson
import pytest
from flask.testing import FlaskClient

from joblook.store.logstore import LogStore
from joblook.store.secrets import new_key
from tests.support.redisdump import every_stored_byte
from tests.unit.web.conftest import AppFactory

KEY = new_key()
VALUE = "correct horse battery staple"


@pytest.fixture
def keyed(make_app: AppFactory) -> FlaskClient:
    """A client of an app with JOBLOOK_SECRET_KEY set."""
    return make_app(JOBLOOK_SECRET_KEY=KEY).test_client()


def test_a_set_secret_is_listed_by_name_and_time_never_by_value(keyed: FlaskClient) -> None:
    put = keyed.put("/secrets/DB_PASSWORD", json={"value": VALUE})
    assert put.status_code == 200, put.get_json()
    assert set(put.get_json()) == {"name", "set_at"}
    listed = keyed.get("/secrets")
    assert listed.get_json() == {
        "secrets": [{"name": "DB_PASSWORD", "set_at": put.get_json()["set_at"]}],
        "key_set": True,
    }
    assert VALUE.encode() not in listed.data


def test_redis_holds_the_value_encrypted_only(keyed: FlaskClient, store: LogStore) -> None:
    keyed.put("/secrets/DB_PASSWORD", json={"value": VALUE})
    blob = every_stored_byte(store.redis)
    assert b"DB_PASSWORD" in blob
    assert VALUE.encode() not in blob
    assert base64.b64encode(VALUE.encode()) not in blob


def test_setting_a_secret_again_replaces_it(keyed: FlaskClient) -> None:
    keyed.put("/secrets/API_TOKEN", json={"value": "first value"})
    keyed.put("/secrets/API_TOKEN", json={"value": "second value"})
    assert [s["name"] for s in keyed.get("/secrets").get_json()["secrets"]] == ["API_TOKEN"]


def test_a_deleted_secret_is_gone_and_deleting_it_again_is_a_404(keyed: FlaskClient) -> None:
    keyed.put("/secrets/API_TOKEN", json={"value": VALUE})
    assert keyed.delete("/secrets/API_TOKEN").get_json() == {"name": "API_TOKEN", "deleted": True}
    assert keyed.get("/secrets").get_json()["secrets"] == []
    again = keyed.delete("/secrets/API_TOKEN")
    assert (again.status_code, again.get_json()["error"]) == (404, "unknown secret")


@pytest.mark.parametrize(
    "path",
    [
        "/secrets/a/b",
        "/secrets/",
        "/secrets/db_password",
        "/secrets/1ST",
        "/secrets/A-B",
        "/secrets/" + "A" * 65,
        "/secrets/A%00B",
        "/secrets/..%2FX",
    ],
)
def test_a_bad_name_is_a_400_that_changes_nothing(keyed: FlaskClient, path: str) -> None:
    keyed.put("/secrets/KEEP", json={"value": VALUE})
    for reply in (keyed.put(path, json={"value": VALUE}), keyed.delete(path)):
        assert reply.status_code == 400, (path, reply.get_json())
        assert "capitals, digits or _" in reply.get_json()["error"]
    assert [s["name"] for s in keyed.get("/secrets").get_json()["secrets"]] == ["KEEP"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"value": ""},
        {"value": "abc"},
        {"value": 1234},
        {"value": "a\u0000bcd"},
        {"value": "x" * 8193},
        {"value": "ok value", "other": 1},
        [VALUE],
    ],
)
def test_a_bad_value_is_a_400_that_changes_nothing(keyed: FlaskClient, body: object) -> None:
    reply = keyed.put("/secrets/DB_PASSWORD", json=body)
    assert reply.status_code == 400, reply.get_json()
    assert "error" in reply.get_json()
    assert keyed.get("/secrets").get_json()["secrets"] == []


def test_without_a_key_setting_a_secret_is_a_409_that_says_what_to_set(
    client: FlaskClient,
) -> None:
    reply = client.put("/secrets/DB_PASSWORD", json={"value": VALUE})
    assert reply.status_code == 409
    body = reply.get_json()
    assert body["error"] == "JOBLOOK_SECRET_KEY is not set"
    assert "joblook secrets keygen" in body["detail"]
    assert client.get("/secrets").get_json() == {"secrets": [], "key_set": False}


def test_the_secrets_need_the_token(make_app: AppFactory) -> None:
    client = make_app(JOBLOOK_SECRET_KEY=KEY, JOBLOOK_TOKEN="t0ken").test_client()
    assert client.get("/secrets").status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    assert client.put("/secrets/X_Y", json={"value": VALUE}, headers=wrong).status_code == 403
    good = {"Authorization": "Bearer t0ken"}
    assert client.put("/secrets/X_Y", json={"value": VALUE}, headers=good).status_code == 200
    assert client.delete("/secrets/X_Y").status_code == 401


def test_a_command_that_asks_for_an_unknown_secret_is_a_400(keyed: FlaskClient) -> None:
    reply = keyed.post("/enqueue", json={"cmd": "env", "secrets": ["NOT_SET"]})
    assert reply.status_code == 400
    assert reply.get_json() == {
        "error": "unknown secret: NOT_SET",
        "detail": {"unknown": ["NOT_SET"]},
    }


@pytest.mark.parametrize("secrets", [["bad-name"], "DB_PASSWORD", [1], ["A"] * 33])
def test_a_malformed_secrets_list_is_a_400(keyed: FlaskClient, secrets: object) -> None:
    reply = keyed.post("/enqueue", json={"cmd": "env", "secrets": secrets})
    assert reply.status_code == 400, reply.get_json()


def test_a_queued_command_carries_secret_names_never_values(
    keyed: FlaskClient, store: LogStore
) -> None:
    keyed.put("/secrets/DB_PASSWORD", json={"value": VALUE})
    reply = keyed.post("/enqueue", json={"cmd": "env", "secrets": ["DB_PASSWORD"]})
    assert reply.status_code == 202, reply.get_json()
    messages = store.redis.lrange("celery", 0, -1)
    assert len(messages) == 1
    body = orjson.loads(base64.b64decode(orjson.loads(messages[0])["body"]))
    assert body[1]["secrets"] == ["DB_PASSWORD"]
    assert VALUE.encode() not in every_stored_byte(store.redis)
