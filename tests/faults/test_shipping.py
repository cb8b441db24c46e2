"""The shipper's delivery guarantees, for joblook's shipper and for real Fluentd alike: the web
down for 30 s, a sync token the web does not accept, a batch /sync refuses as malformed.

Where Fluentd behaves differently, the test says how (docs/failures.md)."""

from __future__ import annotations

import re
import time
import uuid
from pathlib import Path

import orjson
import pytest

from joblook import record
from joblook.store.logstore import LogStore
from tests.support.stack import Stack, output_of, paced_count, running_stack, seqs_of
from tests.support.waiting import wait_for

# About a second and a half of numbered lines.
PACED, EXPECTED = paced_count(3000)
OUTAGE_SECONDS = 30


def task_file(stack: Stack, task_id: str) -> Path:
    return stack.data_dir / "logs" / f"{task_id}.jsonl"


def written_to_the_end(stack: Stack, task_id: str) -> bool:
    """The worker has written the task's final status record to its file."""
    path = task_file(stack, task_id)
    if not path.exists():
        return False
    data = path.read_bytes()
    if not data.endswith(b"\n"):  # read in the middle of the worker's write
        return False
    last = data.rstrip(b"\n").rpartition(b"\n")[2]
    return orjson.loads(last).get("state") in ("SUCCESS", "FAILURE")


def assert_every_line_once(log: dict) -> None:
    assert seqs_of(log["records"]) == list(range(1, log["last_seq"] + 1))
    assert output_of(log["records"], "stdout") == EXPECTED
    assert (log["state"], log["exit_code"]) == ("SUCCESS", 0)


def test_the_web_down_for_30_s_delays_lines_and_loses_none(shipper_stack: Stack) -> None:
    stack = shipper_stack
    task_id = stack.enqueue(PACED)
    wait_for(lambda: stack.permlog(task_id)["last_seq"] > 100, 20, "the stream to be underway")
    stack.web.kill()
    down_since = time.monotonic()
    # The whole task runs and ends while nothing can take its lines: the shipper holds them
    # (Fluentd in its file buffer, retrying with backoff up to 5 s apart).
    wait_for(lambda: written_to_the_end(stack, task_id), 30, "the task to end in its file")
    time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - down_since)))
    assert stack.shipper.running
    stack.web.start()
    stack.wait_ready()
    assert_every_line_once(stack.wait_finished(task_id, timeout=60))
    assert stack.rejected() == []


def test_kill_9_of_the_shipper_holding_lines_for_a_web_that_is_down_loses_nothing(
    shipper_stack: Stack,
) -> None:
    stack = shipper_stack
    task_id = stack.enqueue(PACED)
    wait_for(lambda: stack.permlog(task_id)["last_seq"] > 100, 20, "the stream to be underway")
    stack.web.kill()
    wait_for(lambda: written_to_the_end(stack, task_id), 30, "the task to end in its file")
    if stack.shipper_kind == "fluentd":
        # Fluentd has read the rest into its file buffer, and its position is past those lines:
        # after the crash they can only come from the buffer's files.
        buffer = stack.data_dir / "fluentd" / "buffer" / "sync"
        wait_for(lambda: any(buffer.glob("*.buf")), 10, "batches in Fluentd's file buffer")
    else:
        time.sleep(1)  # a few failed tries; the shipper's positions stay at the last ack
    stack.shipper.kill()
    stack.web.start()
    stack.shipper.start()
    stack.wait_ready()
    assert_every_line_once(stack.wait_finished(task_id, timeout=60))


USER_TOKEN = "user-token-0123456789abcdef0123456789"
SYNC_TOKEN = "sync-token-0123456789abcdef0123456789"
OLD_SYNC_TOKEN = "sync-token-old-456789abcdef0123456789"


@pytest.mark.parametrize(
    ("shipper_token", "status"),
    [("", 401), (OLD_SYNC_TOKEN, 403)],
    ids=["no-token-401", "old-token-403"],
)
def test_a_sync_token_the_web_refuses_holds_the_lines_until_it_is_accepted(
    tmp_path: Path, shipper: str, shipper_token: str, status: int
) -> None:
    # The shipper has no token (401) or the one the web had before it was rotated (403).
    tokens = {"JOBLOOK_AUTH": "token", "JOBLOOK_TOKEN": USER_TOKEN}
    web_env = {**tokens, "JOBLOOK_SYNC_TOKEN": SYNC_TOKEN}
    with running_stack(
        tmp_path, web_env, shipper=shipper, shipper_env={"JOBLOOK_SYNC_TOKEN": shipper_token}
    ) as stack:
        stack.http.headers["Authorization"] = f"Bearer {USER_TOKEN}"
        task_id = stack.enqueue(PACED)
        wait_for(lambda: written_to_the_end(stack, task_id), 30, "the task to end in its file")
        time.sleep(2)  # several refused tries (retries start 0.5 s apart)
        assert stack.permlog(task_id)["last_seq"] == 0, "nothing can be stored without the token"
        assert re.search(rf"\b{status}\b", stack.shipper.log_path.read_text()), "refused, retried"
        # The shipper gets the new token: it restarts (Fluentd with its buffer on disk).
        stack.shipper.stop()
        stack.shipper.env = {**stack.shipper.env, "JOBLOOK_SYNC_TOKEN": SYNC_TOKEN}
        stack.shipper.start()
        assert_every_line_once(stack.wait_finished(task_id, timeout=60))
        assert stack.rejected() == [], "refused for its token, a batch must not be set aside"


def test_a_batch_sync_refuses_as_malformed_is_set_aside_and_the_lines_behind_it_arrive(
    shipper_stack: Stack,
) -> None:
    stack = shipper_stack
    # One write of two records of a task: a good one, then one /sync refuses (seq 0, a 400).
    # The task is made in the store as /enqueue would (/sync stores nothing for unknown tasks).
    task = str(uuid.uuid4())
    store = LogStore.from_url(stack.env["REDIS_URL"])
    store.create_task(task, "printf good")
    store.redis.close()
    good = {"task_id": task, "seq": 1, "time": record.timestamp(), "stream": "stdout"}
    lines = [orjson.dumps({**good, "log": "good\n"}), orjson.dumps({**good, "seq": 0, "log": "x"})]
    stack.data_dir.joinpath("logs").mkdir(parents=True, exist_ok=True)
    task_file(stack, task).write_bytes(b"".join(line + b"\n" for line in lines))
    kept = wait_for(stack.rejected, 30, "the refused record to be set aside")
    # Lines written after it are not blocked behind it.
    task_id = stack.enqueue(PACED)
    assert_every_line_once(stack.wait_finished(task_id, timeout=60))
    if stack.shipper_kind == "fluentd":
        # Fluentd sets the whole batch aside, the good record with the bad one (out_http sees
        # one 400 for the chunk); they wait in failed/ to be re-sent by hand.
        assert [orjson.dumps(r) for r in stack.rejected()] == lines
        assert stack.permlog(task)["last_seq"] == 0, "nothing of that task was stored"
    else:
        # The shipper splits a refused batch until it finds the bad line: only that is set aside.
        assert [orjson.dumps(r) for r in kept] == lines[1:]
        stored = stack.permlog(task)["records"]
        assert [orjson.dumps(r) for r in stored] == lines[:1]
