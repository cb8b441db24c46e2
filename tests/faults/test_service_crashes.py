"""kill -9 of the shipper (joblook's, or Fluentd), the web server or Redis mid-stream: the
permanent log still has every line once."""

from __future__ import annotations

import time

from tests.support.processes import Service
from tests.support.stack import Stack, output_of, paced_count, seqs_of
from tests.support.waiting import wait_for

# About three seconds of output, so a service can be killed while it streams.
PACED, EXPECTED = paced_count(6000)


def crash_mid_stream(stack: Stack, service: Service) -> dict:
    task_id = stack.enqueue(PACED)
    wait_for(lambda: stack.permlog(task_id)["last_seq"] > 500, 20, "the stream to be underway")
    service.kill()
    time.sleep(0.5)  # the command keeps printing while the service is down
    service.start()
    stack.wait_ready()
    return stack.wait_finished(task_id, timeout=60)


def assert_complete(log: dict) -> None:
    assert seqs_of(log["records"]) == list(range(1, log["last_seq"] + 1))
    assert output_of(log["records"], "stdout") == EXPECTED
    assert (log["state"], log["exit_code"]) == ("SUCCESS", 0)


def test_kill_9_of_the_shipper_mid_stream_loses_nothing(shipper_stack: Stack) -> None:
    # Fluentd too: its position file and file buffer carry on after the crash. in_tail moves its
    # position only once the lines read are in the file buffer, so a crash can make it send lines
    # again (which /sync skips), never skip them.
    assert_complete(crash_mid_stream(shipper_stack, shipper_stack.shipper))


def test_kill_9_of_the_web_server_mid_stream_loses_nothing(fresh_stack: Stack) -> None:
    assert_complete(crash_mid_stream(fresh_stack, fresh_stack.web))


def test_kill_9_of_redis_mid_stream_loses_nothing(fresh_stack: Stack) -> None:
    # Redis comes back from its append-only file; everything acknowledged before the crash is in it.
    assert_complete(crash_mid_stream(fresh_stack, fresh_stack.redis))
