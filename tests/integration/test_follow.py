"""GET /tasks/<id>/log: the output so far, or followed live until the task ends (curl -N)."""

from __future__ import annotations

import json

from tests.support.stack import Stack
from tests.support.waiting import wait_for


def test_the_follow_stream_delivers_the_first_line_while_the_task_still_runs(stack: Stack) -> None:
    # How soon is measured, not asserted: make bench BENCH_ARGS="--only follow". That the task is
    # still STARTED when the first line is read shows it was not held until the end (the sleep is
    # a margin for a busy machine; the test waits it out).
    task_id = stack.enqueue("echo first; sleep 5; echo second >&2")
    url = stack.url(f"/tasks/{task_id}/log")
    with stack.http.get(url, params={"follow": "1"}, stream=True, timeout=30) as reply:
        assert reply.headers["Content-Type"].startswith("text/plain")
        pieces = reply.iter_content(chunk_size=None, decode_unicode=True)
        first = next(pieces)
        state_then = stack.permlog(task_id)["state"]
        rest = "".join(pieces)  # ends by itself when the task ends
    assert first == "first\n"
    assert state_then == "STARTED"
    assert rest == "second\n"


def test_without_follow_the_log_is_the_text_so_far(stack: Stack) -> None:
    task_id = stack.enqueue("echo early; sleep 5; echo late")
    url = stack.url(f"/tasks/{task_id}/log")
    wait_for(lambda: stack.http.get(url, timeout=10).text == "early\n", 10, "the first line")
    assert stack.permlog(task_id)["state"] == "STARTED"


def test_the_jsonl_stream_carries_every_record_and_ends_with_the_final_status(
    stack: Stack,
) -> None:
    task_id = stack.enqueue("seq 1 3; exit 5")
    url = stack.url(f"/tasks/{task_id}/log")
    reply = stack.http.get(url, params={"follow": "1", "format": "jsonl"}, timeout=30)
    records = [json.loads(line) for line in reply.text.splitlines()]
    assert [r["seq"] for r in records] == list(range(1, len(records) + 1))
    assert "".join(r["log"] for r in records if r["stream"] == "stdout") == "1\n2\n3\n"
    assert (records[-1]["state"], records[-1]["exit_code"]) == ("FAILURE", 5)


def test_the_log_of_an_unknown_task_is_a_404(stack: Stack) -> None:
    reply = stack.http.get(stack.url("/tasks/5f2b8a1e-3c4d-4e5f-8a9b-0c1d2e3f4a5b/log"))
    assert reply.status_code == 404
    assert reply.json()["error"] == "unknown task"
