"""GET /tasks/<id>/search and /search/count: pages of matching lines both ways, and counts."""

from __future__ import annotations

from flask.testing import FlaskClient

from joblook import record
from joblook.record import OutputRecord
from joblook.store.lines import search


def enqueue(client: FlaskClient) -> str:
    return str(client.post("/enqueue", json={"cmd": "make"}).get_json()["task_id"])


def printed(client: FlaskClient, text: str) -> str:
    """A task that printed ``text`` (and is still running)."""
    task = enqueue(client)
    body = record.encode(OutputRecord(task, 1, record.timestamp(), record.STDOUT, text))
    assert client.post("/sync", data=body, content_type="application/json").status_code == 200
    return task


def numbers(reply: dict) -> list[int]:
    return [m["n"] for m in reply["matches"]]


def test_matches_come_in_line_order_with_text_plain_text_and_ranges(client: FlaskClient) -> None:
    task = printed(client, "ok\n\x1b[31mERROR\x1b[0m: disk\nok\nerror again, error\nhalf error")
    reply = client.get(f"/tasks/{task}/search?q=error").get_json()
    assert reply["total"] == 4
    assert reply["next"] is None
    assert reply["matches"] == [
        {"n": 2, "text": "\x1b[31mERROR\x1b[0m: disk", "plain": "ERROR: disk",
         "ranges": [[0, 5]]},
        {"n": 4, "text": "error again, error", "plain": "error again, error",
         "ranges": [[0, 5], [13, 18]]},
    ]  # fmt: skip
    assert numbers(client.get(f"/tasks/{task}/search?q=ERROR&case=1").get_json()) == [2]


def test_pages_follow_each_other_forwards_and_backwards(client: FlaskClient) -> None:
    lines = [f"{n} {'hit' if n % 7 == 0 else 'miss'}" for n in range(1, 3001)]
    task = printed(client, "\n".join(lines) + "\n")
    hits = [n for n in range(1, 3001) if n % 7 == 0]
    seen, after = [], None
    while True:
        query = f"/tasks/{task}/search?q=hit&limit=50" + (f"&after={after}" if after else "")
        reply = client.get(query).get_json()
        seen += numbers(reply)
        after = reply["next"]
        if after is None:
            break
    assert seen == hits
    back, before = [], 3001
    while before is not None:
        reply = client.get(f"/tasks/{task}/search?q=hit&limit=60&before={before}").get_json()
        back += numbers(reply)
        before = reply["next"]
    assert back == hits[::-1]


def test_backwards_from_the_middle_finds_the_nearest_previous_match_first(
    client: FlaskClient,
) -> None:
    task = printed(
        client, "".join(f"{'needle' if n in (3, 2500) else n}\n" for n in range(1, 5001))
    )
    reply = client.get(f"/tasks/{task}/search?q=needle&before=4000&limit=1").get_json()
    assert (numbers(reply), reply["next"]) == ([2500], 2500)
    assert numbers(client.get(f"/tasks/{task}/search?q=needle&before=2500").get_json()) == [3]


def test_searches_span_many_slices_of_a_long_log(client: FlaskClient, monkeypatch) -> None:
    monkeypatch.setattr(search, "SLICE_LINES", 100)
    monkeypatch.setattr(search, "BACK_FIRST_LINES", 10)
    task = printed(client, "".join(f"{n}\n" for n in range(1, 1001)))
    reply = client.get(f"/tasks/{task}/search?q=^9\\d\\d$&regex=1&limit=500").get_json()
    assert numbers(reply) == list(range(900, 1000))
    reply = client.get(f"/tasks/{task}/search?q=5&before=1000&limit=500").get_json()
    assert numbers(reply) == [n for n in range(999, 0, -1) if "5" in str(n)][:500]
    count = client.get(f"/tasks/{task}/search/count?q=5").get_json()
    assert count == {"count": sum("5" in str(n) for n in range(1, 1001)), "total": 1000,
                     "exact": True}  # fmt: skip


def test_a_regex_search_and_count_agree(client: FlaskClient) -> None:
    task = printed(client, "a1\nb22\nc333\nd\n")
    assert numbers(client.get(f"/tasks/{task}/search?q=\\d{{2,}}&regex=1").get_json()) == [2, 3]
    count = client.get(f"/tasks/{task}/search/count?q=\\d{{2,}}&regex=1").get_json()
    assert count == {"count": 2, "total": 4, "exact": True}


def test_bad_searches_are_400_with_a_reason_and_unknown_tasks_404(client: FlaskClient) -> None:
    task = printed(client, "x\n")
    for query in ("q=", "", "q=" + "x" * 1001, "q=(a&regex=1", "q=(a)\\1&regex=1",
                  "q=a&regex=2", "q=a&limit=0", "q=a&after=1&before=5"):  # fmt: skip
        for path in ("search", "search/count"):
            if path == "search/count" and ("limit" in query or "after" in query):
                continue
            reply = client.get(f"/tasks/{task}/{path}?{query}")
            assert reply.status_code == 400, (path, query)
            assert reply.get_json()["error"], (path, query)
    assert client.get(f"/tasks/{record.new_task_id()}/search?q=x").status_code == 404
    assert client.get(f"/tasks/{record.new_task_id()}/search/count?q=x").status_code == 404


def test_a_page_is_never_larger_than_the_maximum(client: FlaskClient) -> None:
    task = printed(client, "x\n" * 600)
    reply = client.get(f"/tasks/{task}/search?q=x&limit=100000").get_json()
    assert (len(reply["matches"]), reply["next"]) == (500, 500)
