"""/sync: what Fluentd's out_http or the shipper sends, stored exactly once."""

from __future__ import annotations

import json
import re
import uuid

import orjson
import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from joblook import record
from joblook.record import OutputRecord, State
from joblook.settings import DEFAULT_SYNC_MAX_TASKS, Settings, SettingsError
from joblook.store.logstore import LogStore, decode_records
from tests.unit.web.conftest import AppFactory

TASK = "5f2b8a1e-3c4d-4e5f-8a9b-0c1d2e3f4a5b"


@pytest.fixture(autouse=True)
def enqueued(store: LogStore) -> None:
    """TASK is in the store, as /enqueue leaves it: /sync stores only enqueued tasks' records."""
    store.create_task(TASK, "seq 1 50")


def lines(first: int, last: int) -> list[bytes]:
    return [
        record.encode(OutputRecord(TASK, seq, record.timestamp(), record.STDOUT, f"{seq}\n"))
        for seq in range(first, last + 1)
    ]


def as_array(items: list[bytes]) -> bytes:
    return b"[" + b",".join(items) + b"]"


def stored(store: LogStore) -> list[int]:
    return [r["seq"] for r in decode_records(store.read(TASK))]


def test_a_json_array_is_stored(client: FlaskClient, store: LogStore) -> None:
    reply = client.post("/sync", data=as_array(lines(1, 3)), content_type="application/json")
    assert reply.status_code == 200
    assert reply.get_json() == {"received": 3, "stored": 3}
    assert stored(store) == [1, 2, 3]


def test_ndjson_is_stored(client: FlaskClient, store: LogStore) -> None:
    body = b"\n".join(lines(1, 3)) + b"\n"
    reply = client.post("/sync", data=body, content_type="application/x-ndjson")
    assert reply.get_json() == {"received": 3, "stored": 3}
    assert stored(store) == [1, 2, 3]


def test_one_object_is_stored(client: FlaskClient, store: LogStore) -> None:
    reply = client.post("/sync", data=lines(1, 1)[0], content_type="application/json")
    assert reply.get_json() == {"received": 1, "stored": 1}


def test_a_resent_batch_is_acknowledged_and_stores_nothing_new(
    client: FlaskClient, store: LogStore
) -> None:
    body = as_array(lines(1, 50))
    assert (
        client.post("/sync", data=body, content_type="application/json").get_json()["stored"] == 50
    )
    again = client.post("/sync", data=body, content_type="application/json")
    assert again.status_code == 200
    assert again.get_json() == {"received": 50, "stored": 0}
    assert stored(store) == list(range(1, 51))


def test_batches_out_of_order_end_in_order(client: FlaskClient, store: LogStore) -> None:
    for first, last in [(11, 20), (1, 10), (21, 30), (5, 15)]:
        reply = client.post(
            "/sync", data=as_array(lines(first, last)), content_type="application/json"
        )
        assert reply.status_code == 200
    assert stored(store) == list(range(1, 31))


def test_a_status_record_sets_the_task_state(client: FlaskClient, store: LogStore) -> None:
    store.create_task(TASK, "exit 4")
    status = record.encode(record.status(TASK, 1, State.FAILURE, 4, "exited with code 4"))
    client.post("/sync", data=status, content_type="application/json")
    log = client.get(f"/permlog?task_id={TASK}").get_json()
    assert (log["state"], log["exit_code"]) == ("FAILURE", 4)


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b'[{"task_id": "x", "seq": 1, "time": "t", "stream": "stdout", "log": ""}]', "UUID"),
        (as_array([*lines(1, 1), b'{"seq": 2}']), "missing"),
        (as_array([lines(1, 1)[0].replace(b'"stdout"', b'"stdin"')]), "stream"),
        (as_array([lines(1, 1)[0].replace(b'"seq":1', b'"seq":0')]), "seq"),
        (as_array([lines(1, 1)[0].replace(b'"seq":1', b'"seq":1,"uid":0')]), "unknown"),
        (as_array([re.sub(rb'"time":"[^"]*"', b'"time":"<script>"', lines(1, 1)[0])]), "time"),
    ],
)
def test_an_invalid_record_rejects_the_batch_with_400_naming_it(
    client: FlaskClient, store: LogStore, body: bytes, detail: str
) -> None:
    reply = client.post("/sync", data=body, content_type="application/json")
    assert reply.status_code == 400
    assert detail in reply.get_json()["detail"]["reason"]
    assert stored(store) == []


@pytest.mark.parametrize("body", [b"", b"   ", b"[1, 2", b"{oops}\n"])
def test_a_body_that_is_not_json_is_a_400(client: FlaskClient, body: bytes) -> None:
    reply = client.post("/sync", data=body, content_type="application/json")
    assert reply.status_code == 400
    assert reply.get_json()["error"]


def test_a_form_post_to_sync_is_a_415(client: FlaskClient) -> None:
    reply = client.post("/sync", data=b"seq=1", content_type="application/x-www-form-urlencoded")
    assert reply.status_code == 415


def test_sync_needs_the_sync_token_when_one_is_set(make_app: AppFactory, store: LogStore) -> None:
    app = make_app(JOBLOOK_SYNC_TOKEN="sync-secret", JOBLOOK_TOKEN="user-secret")
    body = as_array(lines(1, 2))
    with app.test_client() as client:
        post = lambda token: client.post(  # noqa: E731
            "/sync",
            data=body,
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"} if token else {},
        )
        assert post(None).status_code == 401
        assert post("user-secret").status_code == 403
        assert stored(store) == []
        assert post("sync-secret").status_code == 200
    assert stored(store) == [1, 2]


def test_permlog_returns_records_after_a_seq_and_as_text(client: FlaskClient) -> None:
    client.post("/sync", data=as_array(lines(1, 5)), content_type="application/json")
    log = client.get(f"/permlog?task_id={TASK}&after_seq=3").get_json()
    assert [r["seq"] for r in log["records"]] == [4, 5]
    text = client.get(f"/permlog?task_id={TASK}&format=text")
    assert text.mimetype == "text/plain"
    assert "attachment" in text.headers["Content-Disposition"]
    assert text.get_data(as_text=True) == "1\n2\n3\n4\n5\n"
    assert orjson.loads(client.get(f"/permlog?task_id={TASK}&limit=2").data)["last_seq"] == 5


def ruby_json(obj: object) -> str:
    """JSON as Fluentd's json formatter writes it: compact, UTF-8 as is, "/" not escaped."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


# The headers Net::HTTP adds to every out_http request, and the ones fluent.conf sets.
OUT_HTTP_HEADERS = {
    "Accept-Encoding": "gzip;q=1.0,deflate;q=0.6,identity;q=0.3",
    "Accept": "*/*",
    "User-Agent": "Ruby",
    "Authorization": "Bearer sync-secret",
}


def worker_lines() -> list[dict[str, object]]:
    """Records as the worker writes them, read back the way in_tail's json parser does."""
    written = [
        OutputRecord(TASK, 1, record.timestamp(), record.STDOUT, "über/ü ✓\n"),
        OutputRecord(TASK, 2, record.timestamp(), record.STDERR, "\x1b[31merr\x1b[0m\r"),
        record.status(TASK, 3, State.SUCCESS, 0, "exited with code 0"),
    ]
    return [json.loads(line) for line in record.encode_lines(written).splitlines()]


@pytest.mark.parametrize(
    ("content_type", "separator", "wrap"),
    [
        ("application/json", ",", ("[", "]")),  # json_array true with the json format
        ("application/x-ndjson", "\n", ("", "\n")),  # json_array false with the json format
    ],
)
def test_a_batch_exactly_as_fluentd_out_http_sends_it_is_stored(
    make_app: AppFactory,
    store: LogStore,
    content_type: str,
    separator: str,
    wrap: tuple[str, str],
) -> None:
    objs = worker_lines()
    body = wrap[0] + separator.join(ruby_json(obj) for obj in objs) + wrap[1]
    app = make_app(JOBLOOK_TOKEN="user-secret", JOBLOOK_SYNC_TOKEN="sync-secret")
    with app.test_client() as client:
        reply = client.post(
            "/sync",
            data=body.encode(),
            headers={**OUT_HTTP_HEADERS, "Content-Type": content_type},
        )
    assert reply.status_code == 200, reply.data
    assert reply.get_json() == {"received": 3, "stored": 3}
    assert decode_records(store.read(TASK)) == objs


def test_the_workers_lines_as_fluent_conf_sends_them_are_stored(
    make_app: AppFactory, store: LogStore
) -> None:
    # fluent.conf passes the lines on unparsed (in_tail "none", out_http "single_value"): the
    # body is the task file's bytes, one record per line.
    written = [
        OutputRecord(TASK, 1, record.timestamp(), record.STDOUT, "über/ü ✓\n"),
        record.status(TASK, 2, State.SUCCESS, 0, "exited with code 0"),
    ]
    body = record.encode_lines(written)
    app = make_app(JOBLOOK_TOKEN="user-secret", JOBLOOK_SYNC_TOKEN="sync-secret")
    with app.test_client() as client:
        reply = client.post(
            "/sync",
            data=body,
            headers={**OUT_HTTP_HEADERS, "Content-Type": "application/x-ndjson"},
        )
    assert reply.status_code == 200, reply.data
    stored = decode_records(store.read(TASK))
    assert record.encode_lines(record.from_mapping(r) for r in stored) == body


def records_of(task_ids: list[str]) -> bytes:
    """One stdout record (seq 1) of each task, as a JSON array."""
    return as_array(
        [
            record.encode(OutputRecord(t, 1, record.timestamp(), record.STDOUT, "x\n"))
            for t in task_ids
        ]
    )


def test_records_of_a_task_never_enqueued_are_acknowledged_but_not_stored(
    client: FlaskClient, store: LogStore
) -> None:
    forged = str(uuid.uuid4())
    reply = client.post("/sync", data=records_of([forged, TASK]), content_type="application/json")
    assert reply.status_code == 200  # a 4xx would make the sender set TASK's record aside too
    assert reply.get_json() == {"received": 2, "stored": 1}
    assert stored(store) == [1]
    assert store.task(forged) is None
    assert client.get(f"/tasks/{forged}").status_code == 404


def test_a_batch_of_more_tasks_than_the_default_allows_is_a_413_storing_nothing(
    client: FlaskClient, store: LogStore
) -> None:
    many = [TASK, *(str(uuid.uuid4()) for _ in range(DEFAULT_SYNC_MAX_TASKS))]
    reply = client.post("/sync", data=records_of(many), content_type="application/json")
    assert reply.status_code == 413
    assert f"at most {DEFAULT_SYNC_MAX_TASKS} tasks" in reply.get_json()["error"]
    assert reply.get_json()["detail"]["max_tasks"] == DEFAULT_SYNC_MAX_TASKS
    assert stored(store) == []


def test_the_bound_on_tasks_per_batch_is_a_setting(make_app: AppFactory, store: LogStore) -> None:
    others = [str(uuid.uuid4()) for _ in range(3)]
    for task_id in others:
        store.create_task(task_id, "true")
    with make_app(JOBLOOK_SYNC_MAX_TASKS="3").test_client() as client:

        def post(ids: list[str]) -> TestResponse:
            return client.post("/sync", data=records_of(ids), content_type="application/json")

        assert post([TASK, *others]).status_code == 413
        assert post(others).get_json() == {"received": 3, "stored": 3}
    with pytest.raises(SettingsError, match="JOBLOOK_SYNC_MAX_TASKS"):
        Settings.from_env({"JOBLOOK_SYNC_MAX_TASKS": "0"})
