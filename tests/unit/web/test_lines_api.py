"""GET /tasks/<id>/lines: windows of a task's lines, its tail, and partial lines."""

from __future__ import annotations

from flask.testing import FlaskClient

from joblook import keys, record
from joblook.record import OutputRecord, State, StatusRecord


def enqueue(client: FlaskClient, cmd: str = "make") -> str:
    return str(client.post("/enqueue", json={"cmd": cmd}).get_json()["task_id"])


def sync(client: FlaskClient, *records: OutputRecord | StatusRecord) -> None:
    body = record.encode_lines(records)
    reply = client.post("/sync", data=body, content_type="application/x-ndjson")
    assert reply.status_code == 200, reply.get_json()


def out(task_id: str, seq: int, text: str, stream: str = record.STDOUT) -> OutputRecord:
    return OutputRecord(task_id, seq, record.timestamp(), stream, text)


def test_a_window_of_lines_is_returned_with_the_total_and_the_partial_lines(
    client: FlaskClient,
) -> None:
    task = enqueue(client)
    sync(client, out(task, 1, "".join(f"{n}\n" for n in range(1, 1001)) + "half"))
    sync(client, out(task, 2, "\r 10%\r 50%", record.STDERR))
    page = client.get(f"/tasks/{task}/lines?start=990&count=5").get_json()
    assert (page["total"], page["start"], page["last_seq"], page["finished"]) == (
        1000,
        990,
        2,
        False,
    )
    assert [(line["n"], line["text"]) for line in page["lines"]] == [
        (n, str(n)) for n in range(990, 995)
    ]
    assert page["lines"][0]["stream"] == "stdout"
    assert [(p["stream"], p["text"]) for p in page["partial"]] == [
        ("stdout", "half"),
        ("stderr", " 50%"),
    ]


def test_the_tail_is_the_last_lines_and_the_partials_end_the_log_when_it_ends(
    client: FlaskClient,
) -> None:
    task = enqueue(client)
    end = StatusRecord(task, 3, record.timestamp(), record.STATUS, "", State.SUCCESS.value, 0)
    sync(client, out(task, 1, "a\nb\nc\n"), out(task, 2, "\rbar 1\rbar 2", record.STDERR), end)
    page = client.get(f"/tasks/{task}/lines?tail=2").get_json()
    assert (page["start"], page["total"], page["finished"]) == (3, 4, True)
    assert [line["text"] for line in page["lines"]] == ["c", "bar 2"]
    assert page["partial"] == []


def test_a_window_past_the_end_is_empty_and_a_tail_longer_than_the_log_is_all_of_it(
    client: FlaskClient,
) -> None:
    task = enqueue(client)
    sync(client, out(task, 1, "only\n"))
    assert client.get(f"/tasks/{task}/lines?start=5").get_json()["lines"] == []
    page = client.get(f"/tasks/{task}/lines?tail=100").get_json()
    assert (page["start"], [line["text"] for line in page["lines"]]) == (1, ["only"])


def test_a_task_with_no_output_has_no_lines(client: FlaskClient) -> None:
    page = client.get(f"/tasks/{enqueue(client)}/lines").get_json()
    assert (page["total"], page["lines"], page["partial"], page["last_seq"]) == (0, [], [], 0)


def test_lines_are_read_even_when_the_index_was_never_built(client: FlaskClient) -> None:
    task = enqueue(client)
    sync(client, out(task, 1, "x\ny\n"))
    store = client.application.extensions["joblook.store"]
    store.redis.delete(keys.lines_meta(task), keys.lines_text(task), keys.lines_marks(task))
    store.redis.delete(keys.lines_plain(task))
    assert [line["text"] for line in client.get(f"/tasks/{task}/lines").get_json()["lines"]] == [
        "x",
        "y",
    ]


def test_bad_windows_are_400_and_unknown_tasks_404(client: FlaskClient) -> None:
    task = enqueue(client)
    for query in ("start=0", "count=0", "tail=-1", "start=x", "start=1&tail=5"):
        reply = client.get(f"/tasks/{task}/lines?{query}")
        assert reply.status_code == 400, query
        assert "error" in reply.get_json()
    assert client.get(f"/tasks/{record.new_task_id()}/lines").status_code == 404
    assert client.get("/tasks/nope/lines").status_code == 400


def test_a_window_is_never_larger_than_the_maximum(client: FlaskClient) -> None:
    task = enqueue(client)
    sync(client, out(task, 1, "z\n" * 6000))
    assert len(client.get(f"/tasks/{task}/lines?count=99999").get_json()["lines"]) == 5000
    assert len(client.get(f"/tasks/{task}/lines?tail=99999").get_json()["lines"]) == 5000
