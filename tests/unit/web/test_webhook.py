"""The webhook sender: one POST per ended task, retried, never lost when a sender dies."""

from __future__ import annotations

import datetime as dt
import http.server
import itertools
import threading
from collections.abc import Iterator

import orjson
import pytest
import urllib3

from joblook import keys, record
from joblook.record import OutputRecord, State
from joblook.store.logstore import LogStore
from joblook.web import webhook
from joblook.web.webhook import WebhookSender

TASK = "5f2b8a1e-3c4d-4e5f-8a9b-0c1d2e3f4a5b"
SECOND = "9d1c2b3a-4e5f-4a6b-8c7d-0e1f2a3b4c5d"
CHAIN = "0b6f6a2e-7f3c-4c39-9a57-3f0d8f3f6a10"
HOOK = "http://hooks.example/joblook"
PUBLIC = "https://joblook.example"
START = dt.datetime(2026, 11, 22, 2, 13, tzinfo=dt.UTC)


@pytest.fixture
def queueing(redis_url: str) -> Iterator[LogStore]:
    """A store that queues ended tasks, as it does when a webhook is set."""
    store = LogStore.from_url(redis_url, queue_ended=True)
    store.redis.flushdb()
    yield store
    store.redis.close()


class Receiver:
    """Replies with the given statuses in turn (then 200), and keeps what it was sent."""

    def __init__(self, *statuses: int) -> None:
        self.statuses = list(statuses)
        self.bodies: list[dict[str, object]] = []

    def __call__(self, url: str, body: bytes) -> int:
        assert url == HOOK
        self.bodies.append(orjson.loads(body))
        return self.statuses.pop(0) if self.statuses else 200


def run_task(
    store: LogStore,
    state: State,
    exit_code: int | None,
    seconds: float = 12.5,
    *,
    task_id: str = TASK,
    parent: str | None = None,
) -> None:
    def at(offset: float) -> str:
        return record.timestamp(START + dt.timedelta(seconds=offset))

    store.create_task(task_id, "python train.py", parent=parent)
    started = record.status(task_id, 1, State.STARTED, None, "started on node-1")
    started.time = at(0)
    ended = record.status(task_id, 3, state, exit_code, "the end")
    ended.time = at(seconds)
    store.append([started, OutputRecord(task_id, 2, at(1), record.STDOUT, "hi\n"), ended])


def sender(store: LogStore, post: Receiver, sleeps: list[float]) -> WebhookSender:
    return WebhookSender(store, HOOK, PUBLIC, post=post, sleep=sleeps.append)


def test_an_ended_task_is_posted_once_with_its_outcome(queueing: LogStore) -> None:
    run_task(queueing, State.FAILURE, 3)
    receiver, sleeps = Receiver(), []
    hooks = sender(queueing, receiver, sleeps)
    assert hooks.deliver_next()
    assert not hooks.deliver_next()  # nothing else ended
    assert receiver.bodies == [
        {
            "task_id": TASK,
            "cmd": "python train.py",
            "state": "FAILURE",
            "exit_code": 3,
            "duration_seconds": 12.5,
            "url": f"{PUBLIC}/task?task_id={TASK}",
            "submitted_by": None,
            "cancelled_by": None,
        }
    ]
    assert sleeps == []


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def deliver_due(hooks: WebhookSender, clock: Clock, until: float) -> list[float]:
    """Step the clock a second at a time up to ``until``; the times at which something was sent."""
    sent: list[float] = []
    while clock.now <= until:
        while hooks.deliver_next():
            sent.append(clock.now)
        clock.now += 1.0
    return sent


def test_a_failing_receiver_is_retried_with_growing_pauses(queueing: LogStore) -> None:
    run_task(queueing, State.SUCCESS, 0)
    receiver, clock = Receiver(500, 503, 0), Clock()
    hooks = WebhookSender(queueing, HOOK, PUBLIC, post=receiver, sleep=[].append, clock=clock)
    sent = deliver_due(hooks, clock, until=1100.0)
    assert len(receiver.bodies) == 4
    assert [later - earlier for earlier, later in itertools.pairwise(sent)] == [1.0, 2.0, 4.0]


def test_a_receiver_that_never_answers_is_given_up_on(queueing: LogStore) -> None:
    run_task(queueing, State.SUCCESS, 0)
    receiver, clock = Receiver(*[500] * 20), Clock()
    hooks = WebhookSender(queueing, HOOK, PUBLIC, post=receiver, sleep=[].append, clock=clock)
    sent = deliver_due(hooks, clock, until=1000.0 + 200)
    assert len(receiver.bodies) == 7  # docs/webhook.md: "After seven tries, about a minute"
    assert [later - earlier for earlier, later in itertools.pairwise(sent)] == [
        1.0, 2.0, 4.0, 8.0, 16.0, 32.0
    ]  # fmt: skip
    assert not queueing.redis.exists(keys.ENDED_FAILURES)  # nothing left behind


def test_a_task_waiting_to_be_retried_holds_up_no_other(queueing: LogStore) -> None:
    run_task(queueing, State.FAILURE, 1)  # its receiver fails at first
    run_task(queueing, State.SUCCESS, 0, task_id=SECOND)
    receiver, clock = Receiver(500), Clock()
    hooks = WebhookSender(queueing, HOOK, PUBLIC, post=receiver, sleep=[].append, clock=clock)
    assert hooks.deliver_next() and hooks.deliver_next()  # no time passed between them
    assert [b["task_id"] for b in receiver.bodies] == [TASK, SECOND]
    assert not hooks.deliver_next()  # the first task's retry is not due yet
    clock.now += 1.0  # the first retry's delay
    assert hooks.deliver_next()
    assert [b["task_id"] for b in receiver.bodies] == [TASK, SECOND, TASK]


def test_an_end_claimed_by_a_sender_that_died_is_delivered_by_another(
    queueing: LogStore,
) -> None:
    run_task(queueing, State.REVOKED, None)
    receiver = Receiver()
    dying = WebhookSender(queueing, HOOK, PUBLIC, post=receiver, sleep=lambda _s: None)
    dying._queue.claim(now=1000.0)  # claimed, then the process died before posting
    later = WebhookSender(
        queueing, HOOK, PUBLIC, post=receiver, sleep=lambda _s: None,
        clock=lambda: 1000.0 + webhook.ABANDONED_AFTER + 1,
    )  # fmt: skip
    assert later.deliver_next()
    assert [b["state"] for b in receiver.bodies] == ["REVOKED"]


def test_a_claim_in_progress_is_not_taken_by_another_sender(queueing: LogStore) -> None:
    run_task(queueing, State.SUCCESS, 0)
    receiver = Receiver()
    first = WebhookSender(queueing, HOOK, PUBLIC, post=receiver, sleep=lambda _s: None)
    first._queue.claim(now=1000.0)
    second = WebhookSender(
        queueing, HOOK, PUBLIC, post=receiver, sleep=lambda _s: None, clock=lambda: 1010.0
    )
    assert not second.deliver_next()


def test_a_task_that_never_started_has_no_duration(queueing: LogStore) -> None:
    queueing.create_task(TASK, "sleep 9")
    queueing.append([record.status(TASK, 1, State.REVOKED, None, "cancelled before it started")])
    receiver = Receiver()
    assert sender(queueing, receiver, []).deliver_next()
    assert receiver.bodies[0]["duration_seconds"] is None


def test_a_task_lost_with_its_worker_is_reported_too(queueing: LogStore) -> None:
    queueing.create_task(TASK, "sleep 9")
    queueing.append([record.status(TASK, 1, State.STARTED, None, "started on node-1")])
    assert queueing.mark_lost(TASK, "worker lost")
    receiver = Receiver()
    assert sender(queueing, receiver, []).deliver_next()
    assert receiver.bodies[0]["state"] == "FAILURE"


def test_http_post_reports_the_status_or_zero_when_nothing_answers() -> None:
    got: list[bytes] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            got.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    post = webhook.http_post(urllib3.PoolManager())
    try:
        assert post(f"http://127.0.0.1:{server.server_port}/hook", b'{"a": 1}') == 204
        assert got == [b'{"a": 1}']
    finally:
        server.shutdown()
        server.server_close()
    assert post(f"http://127.0.0.1:{server.server_port}/hook", b"{}") == 0  # refused


def test_a_chain_is_reported_once_after_its_last_step(queueing: LogStore) -> None:
    queueing.create_parent(CHAIN, "chain", "python train.py && python train.py", [TASK, SECOND])
    for step in (TASK, SECOND):
        queueing.create_task(step, "python train.py", parent=CHAIN)  # as /enqueue does
    receiver, sleeps = Receiver(), []
    hooks = sender(queueing, receiver, sleeps)
    run_task(queueing, State.SUCCESS, 0, task_id=TASK, parent=CHAIN)
    assert hooks.deliver_next()
    assert [body["task_id"] for body in receiver.bodies] == [TASK]  # the chain still runs
    run_task(queueing, State.FAILURE, 2, task_id=SECOND, parent=CHAIN)
    assert hooks.deliver_next() and hooks.deliver_next()  # the last step, then the chain
    assert [body["task_id"] for body in receiver.bodies] == [TASK, SECOND, CHAIN]
    assert receiver.bodies[-1]["state"] == "FAILURE" and receiver.bodies[-1]["exit_code"] == 2
    assert receiver.bodies[-1]["url"] == f"{PUBLIC}/task?task_id={CHAIN}"
    queueing.redis.rpush(keys.ENDED, SECOND)  # the last step's end handled a second time
    assert hooks.deliver_next()
    assert [body["task_id"] for body in receiver.bodies] == [TASK, SECOND, CHAIN, SECOND]


def test_a_retried_tasks_attempt_reports_its_own_end_with_its_number(queueing: LogStore) -> None:
    second = record.new_task_id()
    attempts = orjson.dumps([TASK, second]).decode()
    queueing.create_task(second, "python train.py", extra={"attempt": "2", "first_attempt": TASK})
    queueing.redis.hset(keys.task(TASK), mapping={"retries": "1", "attempt": "1"})
    run_task(queueing, State.FAILURE, 3)
    queueing.redis.hset(keys.task(TASK), "attempts", attempts)  # the retrier made attempt 2
    assert queueing.task(TASK).state == "PENDING"  # the task goes on: its second attempt waits
    receiver = Receiver()
    assert sender(queueing, receiver, []).deliver_next()
    assert receiver.bodies[0]["state"] == "FAILURE"
    assert receiver.bodies[0]["attempt"] == 1
