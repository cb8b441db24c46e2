"""Bad input gets a clear 4xx JSON error, never a 500 or an HTML page."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from joblook.web.api import ENQUEUE_MAX_BYTES

UNKNOWN = "5f2b8a1e-3c4d-4e5f-8a9b-0c1d2e3f4a5b"


def assert_json_error(reply, status: int, words: str) -> None:  # type: ignore[no-untyped-def]
    assert reply.status_code == status, reply.data
    assert reply.mimetype == "application/json"
    assert words in reply.get_json()["error"]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({}, "cmd"),
        ({"cmd": ""}, "cmd"),
        ({"cmd": "   "}, "cmd"),
        ({"cmd": 42}, "cmd"),
        ({"cmd": ["ls"]}, "cmd"),
        ({"cmd": "ls", "uid": 0}, "unknown keys"),
        ({"cmd": "ls", "chain": ["ls"]}, "exactly one"),
        ({"timeout": 5}, "exactly one"),
        ({"chain": []}, "chain must be a list of 1 to 100"),
        ({"chain": "ls; ls"}, "chain must be a list"),
        ({"group": ["ls"] * 101}, "group must be a list of 1 to 100"),
        ({"chain": ["ls", ""]}, "chain[1] must be a non-empty string"),
        ({"group": [7]}, "group[0] must be a non-empty string"),
        ({"cmd": "echo a\0b"}, "cmd must not contain a NUL character"),
        ({"chain": ["true", "echo \0"]}, "chain[1] must not contain a NUL character"),
        ({"cmd": "ls", "timeout": 0}, "timeout"),
        ({"cmd": "ls", "timeout": -1}, "timeout"),
        ({"cmd": "ls", "timeout": True}, "timeout"),
        ({"cmd": "ls", "timeout": "5"}, "timeout"),
        ([], "object"),
        ("ls", "object"),
    ],
)
def test_enqueue_refuses_a_bad_command_with_400(
    client: FlaskClient, body: object, words: str
) -> None:
    assert_json_error(client.post("/enqueue", json=body), 400, words)


def test_enqueue_refuses_broken_json_with_400(client: FlaskClient) -> None:
    reply = client.post("/enqueue", data="{not json", content_type="application/json")
    assert_json_error(reply, 400, "not valid JSON")


@pytest.mark.parametrize(
    "body",
    [
        rb'{"cmd": "echo \ud800"}',  # a lone surrogate: no encoder can write it to Redis
        rb'{"group": ["echo \udc00"]}',
        b"[" * 100_000 + b"]" * 100_000,  # Python's json overflows the stack
        b'{"cmd": "ls", "x": ' + b"[" * 5_000 + b"]" * 5_000 + b"}",
    ],
    ids=["lone-surrogate", "lone-surrogate-in-a-step", "deep", "deep-inside-an-object"],
)
def test_enqueue_refuses_json_that_python_half_accepts_with_400(
    client: FlaskClient, body: bytes
) -> None:
    reply = client.post("/enqueue", data=body, content_type="application/json")
    assert_json_error(reply, 400, "not valid JSON")
    assert reply.get_json()["detail"]


def test_enqueue_refuses_a_form_post_with_415(client: FlaskClient) -> None:
    assert_json_error(client.post("/enqueue", data={"cmd": "ls"}), 415, "JSON")


def test_enqueue_refuses_a_body_over_its_batch_sized_cap_with_413(client: FlaskClient) -> None:
    reply = client.post("/enqueue", json={"cmd": "x" * ENQUEUE_MAX_BYTES})
    assert reply.status_code == 413
    assert reply.get_json()["error"]


@pytest.mark.parametrize(
    ("query", "status", "words"),
    [
        ("", 400, "task_id is required"),
        ("?task_id=", 400, "task_id is required"),
        ("?task_id=../../etc/passwd", 400, "UUID"),
        ("?task_id=5F2B8A1E-3C4D-4E5F-8A9B-0C1D2E3F4A5B", 400, "UUID"),
        (f"?task_id={UNKNOWN}", 404, "unknown task"),
        (f"?task_id={UNKNOWN}&after_seq=-1", 400, "after_seq"),
        (f"?task_id={UNKNOWN}&after_seq=x", 400, "after_seq"),
        (f"?task_id={UNKNOWN}&format=xml", 400, "format"),
    ],
)
def test_permlog_refuses_bad_queries(
    client: FlaskClient, query: str, status: int, words: str
) -> None:
    assert_json_error(client.get("/permlog" + query), status, words)


def test_the_task_page_refuses_a_malformed_task_id(client: FlaskClient) -> None:
    assert_json_error(client.get("/task?task_id=nope"), 400, "UUID")


def test_an_unknown_path_is_a_json_404(client: FlaskClient) -> None:
    assert_json_error(client.get("/no/such/page"), 404, "")


def test_a_wrong_method_is_a_json_405(client: FlaskClient) -> None:
    assert_json_error(client.get("/enqueue"), 405, "")


def test_a_seq_beyond_any_real_log_is_a_400_not_a_store_error(client: FlaskClient) -> None:
    huge = 2**63
    reply = client.get(f"/permlog?task_id={UNKNOWN}&after_seq={huge}&limit=10")
    assert_json_error(reply, 400, "after_seq must be >= 0 and <=")
    reply = client.get(f"/permlog?task_id={UNKNOWN}&after_seq=9007199254740991&limit={huge}")
    assert_json_error(reply, 400, "limit")
