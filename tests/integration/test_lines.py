"""Lines, search and sections through the real pipeline: a real command's output, shipped and
indexed, read as a terminal shows it (issue #17)."""

from __future__ import annotations

import shlex
import sys
from typing import Any

from tests.support.biglog import seed_log
from tests.support.stack import Stack
from tests.support.waiting import wait_for

# A tqdm-like bar redrawn with \r on stderr while the program prints lines on stdout, flushing
# each write so the chunks really interleave; the bar ends without a newline.
BAR_AND_LINES = """
import sys, time
for step in range(1, 21):
    sys.stderr.write(f"\\rtraining {step * 5:3d}%|{'#' * step:20}|"); sys.stderr.flush()
    if step % 5 == 0:
        print(f"epoch {step // 5} done", flush=True)
    time.sleep(0.02)
"""


def python(program: str) -> str:
    return f"{shlex.quote(sys.executable)} -c {shlex.quote(program)}"


def lines(stack: Stack, task_id: str, **params: Any) -> dict[str, Any]:
    reply = stack.http.get(stack.url(f"/tasks/{task_id}/lines"), params=params, timeout=10)
    assert reply.status_code == 200, reply.text
    return reply.json()


def test_a_bar_on_stderr_stays_below_the_lines_and_ends_as_the_last_line(stack: Stack) -> None:
    task_id = stack.enqueue(python(BAR_AND_LINES))
    stack.wait_finished(task_id)
    page = lines(stack, task_id)
    assert [line["text"] for line in page["lines"]] == [
        "epoch 1 done",
        "epoch 2 done",
        "epoch 3 done",
        "epoch 4 done",
        f"training 100%|{'#' * 20}|",
    ]
    assert page["lines"][-1]["stream"] == "stderr"
    assert (page["partial"], page["finished"]) == ([], True)
    raw = stack.http.get(stack.url(f"/tasks/{task_id}/log"), timeout=10).text
    assert raw.count("training") == 20  # the stored log keeps every frame, as printed


def test_search_finds_lines_while_the_task_is_still_running(stack: Stack) -> None:
    program = (
        "import time\nfor n in range(1, 401):\n    print(f'{n} needle' if n % 100 == 0 else n)\n"
    )
    program += "print('halfway', flush=True)\ntime.sleep(30)\n"
    task_id = stack.enqueue(python(program))
    try:

        def found() -> dict[str, Any] | None:
            reply = stack.http.get(
                stack.url(f"/tasks/{task_id}/search"), params={"q": "NEEDLE"}, timeout=10
            ).json()
            return reply if len(reply["matches"]) == 4 else None

        reply = wait_for(found, 30, "the needles to be searchable")
        assert [m["n"] for m in reply["matches"]] == [100, 200, 300, 400]
        assert stack.task(task_id)["state"] == "STARTED"
        count = stack.http.get(
            stack.url(f"/tasks/{task_id}/search/count"), params={"q": "needle"}, timeout=10
        ).json()
        assert count["count"] == 4
    finally:
        stack.http.delete(stack.url(f"/tasks/{task_id}"), timeout=10)


def test_sections_of_a_real_command_have_their_lines_and_durations(stack: Stack) -> None:
    script = (
        "echo '::group::Setup'; echo installing; sleep 0.6; echo '::endgroup::'; "
        "printf '\\033[0Ksection_start:%s:tests\\r\\033[0KRunning tests\\n' $(date +%s); "
        "echo ok; printf '\\033[0Ksection_end:%s:tests\\r\\033[0K\\n' $(date +%s)"
    )
    task_id = stack.enqueue(script)
    stack.wait_finished(task_id)
    sections = stack.http.get(stack.url(f"/tasks/{task_id}/sections"), timeout=10).json()
    brief = [(s["kind"], s["title"], s["start"], s["end"]) for s in sections["sections"]]
    assert brief == [("github", "Setup", 1, 3), ("gitlab", "Running tests", 4, 6)]
    setup = sections["sections"][0]
    assert 0.3 <= setup["ended_at"] - setup["started_at"] < 10
    assert lines(stack, task_id)["lines"][3]["text"].endswith("\x1b[0KRunning tests")


def test_the_history_filter_finds_tasks_by_command_and_by_output(stack: Stack) -> None:
    by_command = stack.enqueue("echo ZEBRA-unique-cmd >/dev/null")
    by_output = stack.enqueue("echo the $(echo qua)gga-unique-out")  # not in the command
    stack.wait_finished(by_command)
    stack.wait_finished(by_output)

    def listed(**params: str) -> list[str]:
        reply = stack.http.get(stack.url("/tasks"), params=params, timeout=10)
        return [t["task_id"] for t in reply.json()["tasks"]]

    assert listed(q="zebra-UNIQUE") == [by_command]
    assert listed(q="quagga-unique") == []
    assert listed(q="quagga-unique", output="1") == [by_output]


def test_the_longest_search_fits_in_a_url_and_a_longer_one_is_refused(stack: Stack) -> None:
    task_id = stack.enqueue("echo hi")
    url = stack.url(f"/tasks/{task_id}/search")
    longest = stack.http.get(url, params={"q": "\U0001f600" * 1000}, timeout=10)  # 12 KB encoded
    assert longest.status_code == 200, longest.text
    longer = stack.http.get(url, params={"q": "\U0001f600" * 1001}, timeout=10)
    assert longer.status_code == 400
    assert "at most 1000" in longer.json()["error"]


def test_a_log_stored_before_its_index_reads_and_searches_exactly(stack: Stack) -> None:
    def text(n: int) -> str:  # blocks of plain lines, with wide characters and escapes in some
        return f"{n} \x1b[31mwarn\x1b[0m été" if n % 1000 == 0 else f"{n} processing"

    total = 120_000
    task_id = seed_log(stack.env["REDIS_URL"], total, text)  # appended, not indexed
    tail = lines(stack, task_id, tail=2)
    assert (tail["total"], [line["n"] for line in tail["lines"]]) == (total, [total - 1, total])
    assert tail["lines"][-1]["text"] == text(total)
    middle = lines(stack, task_id, start=54_999, count=3)["lines"]
    assert [line["text"] for line in middle] == [text(n) for n in (54_999, 55_000, 55_001)]
    found = stack.http.get(
        stack.url(f"/tasks/{task_id}/search"),
        params={"q": r"^7\d000 WARN", "regex": "1"},
        timeout=30,
    ).json()
    assert [m["n"] for m in found["matches"]] == list(range(70_000, 80_000, 1000))
    assert found["matches"][0]["plain"] == "70000 warn été"
