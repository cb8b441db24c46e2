"""GET /metrics: what /sync did, what the store holds, and the feed's lag, for Prometheus."""

from __future__ import annotations

import datetime as dt

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

from joblook import keys, record
from joblook.record import OutputRecord, State
from joblook.store.logstore import LogStore
from joblook.store.roster import WorkerAd
from joblook.web.metrics import StoreCollector, WebMetrics
from tests.support.processes import free_port
from tests.unit.web.conftest import AppFactory

TASK = "5f2b8a1e-3c4d-4e5f-8a9b-0c1d2e3f4a5b"
USER = {"Authorization": "Bearer user-secret"}
SYNC = {"Authorization": "Bearer sync-secret"}


@pytest.fixture
def app(make_app: AppFactory, store: LogStore) -> Flask:
    store.create_task(TASK, "echo hi")
    return make_app(JOBLOOK_TOKEN="user-secret", JOBLOOK_SYNC_TOKEN="sync-secret")


def scrape(client: FlaskClient, headers: dict[str, str] = USER) -> dict[tuple[str, tuple], float]:
    """Every sample of /metrics: (name, sorted labels) -> value."""
    reply = client.get("/metrics", headers=headers)
    assert reply.status_code == 200, reply.get_data(as_text=True)
    assert reply.content_type.startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(reply.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def sync(client: FlaskClient, *records: record.Record) -> None:
    body = b"[" + b",".join(record.encode(r) for r in records) + b"]"
    reply = client.post("/sync", data=body, content_type="application/json", headers=SYNC)
    assert reply.status_code == 200


def output(seq: int) -> OutputRecord:
    return OutputRecord(TASK, seq, record.timestamp(), record.STDOUT, f"line {seq}\n")


def test_metrics_take_the_user_token_or_the_metrics_token_once_one_is_set(
    make_app: AppFactory,
) -> None:
    with make_app(JOBLOOK_TOKEN="user-secret", JOBLOOK_SYNC_TOKEN="sync-secret").test_client() as c:
        assert c.get("/metrics").status_code == 401
        assert c.get("/metrics", headers=SYNC).status_code == 403
        assert c.get("/metrics", headers=USER).status_code == 200
    app = make_app(
        JOBLOOK_TOKEN="user-secret", JOBLOOK_SYNC_TOKEN="sync-secret", JOBLOOK_METRICS_TOKEN="m-1"
    )
    with app.test_client() as c:
        assert c.get("/metrics", headers=USER).status_code == 403
        assert c.get("/metrics", headers={"Authorization": "Bearer m-1"}).status_code == 200
        # A page's cookie is not a scraper's credential.
        c.set_cookie("joblook_token", "user-secret")
        assert c.get("/metrics").status_code == 401


def test_sync_counts_records_received_and_stored_apart_so_duplicates_show(app: Flask) -> None:
    with app.test_client() as client:
        sync(client, output(1), output(2))
        sync(client, output(2), output(3))  # 2 again: received, not stored
        samples = scrape(client)
    assert samples[("joblook_sync_records_total", (("outcome", "received"),))] == 4
    assert samples[("joblook_sync_records_total", (("outcome", "stored"),))] == 3
    assert samples[("joblook_sync_duration_seconds_count", ())] == 2


def test_a_state_change_is_counted_once_however_often_its_record_arrives(app: Flask) -> None:
    started = record.status(TASK, 1, State.STARTED, None)
    ended = record.status(TASK, 3, State.SUCCESS, 0)
    with app.test_client() as client:
        sync(client, started, output(2))
        sync(client, ended)
        sync(client, started, output(2), ended)  # a retried batch
        samples = scrape(client)
    assert samples[("joblook_task_transitions_total", (("state", "STARTED"),))] == 1
    assert samples[("joblook_task_transitions_total", (("state", "SUCCESS"),))] == 1


def test_store_gauges_read_running_tasks_queues_and_the_webhook_backlog(
    app: Flask, store: LogStore
) -> None:
    store.redis.sadd(keys.RUNNING, TASK)
    store.redis.rpush("celery", "a message", "another")
    store.redis.rpush(keys.ENDED, TASK)
    with app.test_client() as client:
        samples = scrape(client)
    assert samples[("joblook_store_up", ())] == 1
    assert samples[("joblook_tasks_running", ())] == 1
    assert samples[("joblook_tasks_stored", ())] == 1
    assert samples[("joblook_queue_messages", (("queue", "celery"),))] == 2
    assert samples[("joblook_webhook_backlog", (("stage", "waiting"),))] == 1
    assert samples[("joblook_webhook_backlog", (("stage", "retrying"),))] == 0
    assert samples[("joblook_viewers", ())] == 0


def test_workers_are_counted_per_queue_from_the_roster(store: LogStore) -> None:
    roster = [WorkerAd("a@h1", ["celery"], []), WorkerAd("b@h2", ["celery", "gpu"], ["0"])]
    store.redis.rpush("gpu", "waiting")
    collector = StoreCollector(store.redis, lambda: roster, lambda: 3)
    families = {f.name: f for f in collector.collect()}
    workers = {s.labels["queue"]: s.value for s in families["joblook_workers"].samples}
    assert workers == {"celery": 2, "gpu": 1}
    queued = {s.labels["queue"]: s.value for s in families["joblook_queue_messages"].samples}
    assert queued == {"celery": 0, "gpu": 1}
    assert families["joblook_viewers"].samples[0].value == 3


def test_a_scrape_with_redis_down_says_so_instead_of_failing() -> None:
    down = redis.Redis(port=free_port(), socket_connect_timeout=0.5)
    families = {f.name: f for f in StoreCollector(down, lambda: None, lambda: 0).collect()}
    assert families["joblook_store_up"].samples[0].value == 0
    assert "joblook_tasks_running" not in families


def test_feed_lag_is_measured_from_the_records_print_time() -> None:
    metrics = WebMetrics()
    printed = dt.datetime(2026, 12, 2, 4, 0, 0, tzinfo=dt.UTC)
    newest = record.encode(OutputRecord(TASK, 1, record.timestamp(printed), record.STDOUT, "x\n"))
    metrics.sent(newest, now=printed + dt.timedelta(seconds=0.3))
    metrics.sent(b'{"no": "time"}')  # ignored, not a failure
    count = metrics.registry.get_sample_value("joblook_feed_lag_seconds_count")
    total = metrics.registry.get_sample_value("joblook_feed_lag_seconds_sum")
    assert count == 1
    assert total == pytest.approx(0.3)
    assert metrics.registry.get_sample_value("joblook_feed_lag_seconds_bucket", {"le": "0.25"}) == 0
    assert metrics.registry.get_sample_value("joblook_feed_lag_seconds_bucket", {"le": "0.5"}) == 1
