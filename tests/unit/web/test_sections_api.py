"""GET /tasks/<id>/sections: the sections a task's markers opened, while it runs and after."""

from __future__ import annotations

from flask.testing import FlaskClient

from joblook import record
from joblook.record import OutputRecord, State, StatusRecord


def test_sections_are_listed_open_then_closed_and_the_log_keeps_the_markers(
    client: FlaskClient,
) -> None:
    task = client.post("/enqueue", json={"cmd": "ci"}).get_json()["task_id"]

    def sync(*records: OutputRecord | StatusRecord) -> None:
        body = record.encode_lines(records)
        assert (
            client.post("/sync", data=body, content_type="application/x-ndjson").status_code == 200
        )

    def out(seq: int, text: str) -> OutputRecord:
        return OutputRecord(task, seq, record.timestamp(), record.STDOUT, text)

    sync(out(1, "::group::Install\npip install\n"))
    running = client.get(f"/tasks/{task}/sections").get_json()["sections"]
    assert [(s["title"], s["start"], s["end"], s["ended_at"]) for s in running] == [
        ("Install", 1, None, None)
    ]
    printed = [out(2, "::endgroup::\n--- Tests\n"), out(3, "ok\n")]
    end = StatusRecord(task, 4, record.timestamp(), record.STATUS, "", State.SUCCESS.value, 0)
    sync(*printed, end)
    sections = client.get(f"/tasks/{task}/sections").get_json()["sections"]
    assert [(s["kind"], s["title"], s["start"], s["end"], s["collapsed"]) for s in sections] == [
        ("github", "Install", 1, 3, False),
        ("buildkite", "Tests", 4, 5, True),
    ]
    assert all(s["ended_at"] >= s["started_at"] for s in sections)
    log = client.get(f"/tasks/{task}/log").get_data(as_text=True)
    assert log == "::group::Install\npip install\n::endgroup::\n--- Tests\nok\n"


def test_sections_of_an_unknown_task_are_404(client: FlaskClient) -> None:
    assert client.get(f"/tasks/{record.new_task_id()}/sections").status_code == 404
