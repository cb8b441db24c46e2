"""``docker compose logs fluentd`` is the stack's own log: web, worker and flower records, each
tagged ``joblook.service.<name>``, as Fluentd's stdout output prints them."""

from __future__ import annotations

import json
import re

from tests.support.composestack import ComposeStack
from tests.support.waiting import wait_for

# Fluentd's stdout output: "<time> <tag>: <record as JSON>".
_LINE = re.compile(r"^\S+ \S+ \S+ (?P<tag>joblook\.service\.\S+): (?P<record>\{.*\})$")


def _records(stack: ComposeStack) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for line in stack.logs("fluentd").splitlines():
        if match := _LINE.match(line.strip()):
            found.setdefault(match["tag"], []).append(json.loads(match["record"]))
    return found


def test_fluentd_prints_web_worker_and_flower_records(stack: ComposeStack) -> None:
    task_id = stack.enqueue("echo a task, so the worker logs")
    stack.wait_finished(task_id)
    wanted = {f"joblook.service.{name}" for name in ("web", "worker", "flower")}

    def all_there() -> dict[str, list[dict]] | None:
        found = _records(stack)
        return found if wanted <= set(found) else None

    records = wait_for(
        all_there,
        60,
        "records of web, worker and flower in fluentd's log",
        interval=1,
    )
    for tag in wanted:
        service = tag.rsplit(".", 1)[1]
        for record in records[tag]:
            assert record["service"] == service, record
            assert {"host", "pid", "level", "logger", "message"} <= record.keys(), record
    assert any(task_id in r["message"] for r in records["joblook.service.worker"])
