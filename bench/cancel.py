"""Cancel: ``DELETE /tasks/<id>`` of a running command until a subscribed viewer receives its
REVOKED status record, one task at a time: the web writes the request and publishes it, the
worker's watcher wakes on the message, kills the process tree and writes the record, which travels
the usual path to the viewer.

The cancellation tests used to assert that the watcher woke within 1 s and the command stopped
within 5 s; they now check that the cancel takes effect long before the watcher's slow re-check
or the command's own end could have ended it, and the figures are here.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from bench.stack import Stack
from bench.stats import latency_ms
from bench.subscriber import Subscriber
from joblook.record import STDOUT

READY = "ready"


def run(stack: Stack, samples: int) -> dict[str, Any]:
    running: dict[str, threading.Event] = {}
    ended: dict[str, tuple[str, float]] = {}

    def on_records(records: list[dict[str, Any]], arrived: float) -> None:
        for r in records:
            if r["stream"] == STDOUT and r["log"] == f"{READY}\n":
                running[r["task_id"]].set()
            elif r.get("state") in ("SUCCESS", "FAILURE", "REVOKED"):
                ended[r["task_id"]] = (r["state"], arrived)

    took: list[float] = []
    states: list[str] = []
    with Subscriber(stack.base_url, on_records) as viewer:
        for _ in range(samples):
            task_id = stack.enqueue(f"echo {READY}; sleep 300")
            running[task_id] = threading.Event()
            viewer.subscribe(task_id)
            if not running[task_id].wait(30):
                continue  # never got going: counted as lost below
            asked = time.time()
            stack.http.delete(stack.url(f"/tasks/{task_id}"), timeout=10).raise_for_status()
            viewer.wait_finished(task_id, 30)
            viewer.unsubscribe(task_id)
            if task_id in ended:
                state, arrived = ended[task_id]
                states.append(state)
                took.append(arrived - asked)
    return {
        "tasks": samples,
        **latency_ms(took),
        "revoked": states.count("REVOKED"),
        "lost": samples - len(took),
    }
