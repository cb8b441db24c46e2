"""Prometheus metrics of one web process: ``GET /metrics``, in Prometheus' text format.

Two kinds, kept apart so a scrape costs one Redis round trip whatever the traffic:

- What this process did, counted as it happens (``WebMetrics``): ``/sync`` requests and their
  latency, records received and stored, task state changes it stored, and the feed's lag (from a
  line's print time, its record's ``time``, to this process sending it to viewers). Counters are
  per replica (one ``joblook web``, however many processes it runs: see ``WebMetrics``); a
  dashboard sums them over the replicas (``sum(rate(...))``).
- What the store holds, read at scrape time (``StoreCollector``): running tasks, each queue's
  waiting messages, stored tasks, the webhook's backlog, the workers that advertise themselves,
  plus the viewers of the process that answers. These are the same from every replica (but
  ``joblook_viewers``).

The endpoint takes ``JOBLOOK_METRICS_TOKEN`` as a bearer token (a scraper is not a user), or
``JOBLOOK_TOKEN`` when that is unset. docs/metrics.md has the queries that answer "is it healthy"
and "where is the lag".
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable, Iterable, Iterator

import orjson
import redis
from flask import Blueprint, Flask, Response, current_app
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from joblook import keys
from joblook.queuenames import DEFAULT_QUEUE
from joblook.record import TIME_FORMAT, Record, StatusRecord
from joblook.store.roster import WorkerAd
from joblook.web import auth
from joblook.web.spec import other_content, replies, spec
from joblook.webprocesses import METRICS_DIR_ENV

log = logging.getLogger(__name__)

bp = Blueprint("metrics", __name__)
auth.protect(
    bp,
    "/metrics",
    token=lambda settings: settings.metrics_token or settings.token,
    cookie=False,
    schemes=("metricsToken",),
)

# /sync answers in a few ms when all is well; the upper buckets show a store that struggles.
SYNC_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# From print to viewers: tens of ms through the shipper, up to the batch interval through Fluentd.
LAG_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class WebMetrics:
    """The metrics of one web process, in a registry of its own (tests build several apps).

    With several web processes on one port (``joblook web`` with ``JOBLOOK_WEB_PROCESSES``), a
    scrape reaches any one of them, so the counters are kept in ``prometheus_client``'s
    multiprocess files and each scrape sums every process's (``scrape``); the store's gauges are
    the same from any process.
    """

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.scrape = self.registry
        shared = os.environ.get(METRICS_DIR_ENV)
        if shared:
            self.scrape = CollectorRegistry(auto_describe=False)
            MultiProcessCollector(self.scrape, shared)
        self.sync_seconds = Histogram(
            "joblook_sync_duration_seconds",
            "Time to answer one POST /sync (parse, store, index, announce).",
            buckets=SYNC_BUCKETS,
            registry=self.registry,
        )
        self.sync_records = Counter(
            "joblook_sync_records",
            "Records /sync received, and of those the ones stored (not duplicates).",
            ["outcome"],
            registry=self.registry,
        )
        self.transitions = Counter(
            "joblook_task_transitions",
            "Task state changes this process stored (STARTED, SUCCESS, FAILURE, REVOKED...).",
            ["state"],
            registry=self.registry,
        )
        self.feed_lag = Histogram(
            "joblook_feed_lag_seconds",
            "From a line's print time (its record's time) to this process sending it to viewers.",
            buckets=LAG_BUCKETS,
            registry=self.registry,
        )

    def synced(self, received: int, stored: int, seconds: float) -> None:
        """One /sync request answered."""
        self.sync_seconds.observe(seconds)
        self.sync_records.labels("received").inc(received)
        self.sync_records.labels("stored").inc(stored)

    def changed(self, states: Iterable[str]) -> None:
        """Tasks whose state this process stored."""
        for state in states:
            self.transitions.labels(state).inc()

    def sent(self, newest: bytes, now: dt.datetime | None = None) -> None:
        """A ``log`` event went out whose newest record (as stored, JSON) is ``newest``."""
        try:
            printed = dt.datetime.strptime(orjson.loads(newest)["time"], TIME_FORMAT)
        except (ValueError, KeyError, TypeError):
            return  # a record's time is checked at /sync; nothing to learn from one that is not
        printed = printed.replace(tzinfo=dt.UTC)
        lag = ((now or dt.datetime.now(dt.UTC)) - printed).total_seconds()
        self.feed_lag.observe(max(0.0, lag))


class StoreCollector(Collector):
    """Gauges read from Redis (one pipeline) and from this process at each scrape."""

    def __init__(
        self,
        client: redis.Redis,
        roster: Callable[[], list[WorkerAd] | None],
        viewers: Callable[[], int],
    ) -> None:
        self._client = client
        self._roster = roster
        self._viewers = viewers

    def collect(self) -> Iterator[Metric]:
        viewers = GaugeMetricFamily(
            "joblook_viewers", "Socket.IO subscriptions to task logs held by this process."
        )
        viewers.add_metric([], self._viewers())
        yield viewers
        up = GaugeMetricFamily("joblook_store_up", "1 when this scrape could read Redis.")
        ads = self._roster() or []
        queues = sorted({DEFAULT_QUEUE, *(q for ad in ads for q in ad.queues)})
        try:
            pipe = self._client.pipeline(transaction=False)
            pipe.scard(keys.RUNNING)
            pipe.zcard(keys.TASKS)
            pipe.llen(keys.ENDED)
            pipe.zcard(keys.ENDED_RETRIES)
            for queue in queues:
                pipe.llen(queue)  # Celery's Redis transport: one list per queue
            running, stored, ended, retrying, *waiting = pipe.execute()
        except redis.RedisError as exc:
            log.warning("metrics: cannot read the store: %s", exc)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield _gauge(
            "joblook_tasks_running",
            "Tasks whose log says STARTED and not yet how they ended.",
            running,
        )
        yield _gauge("joblook_tasks_stored", "Tasks the store holds (any state).", stored)
        queued = GaugeMetricFamily(
            "joblook_queue_messages",
            "Messages waiting in each queue (tasks not yet taken).",
            labels=["queue"],
        )
        for queue, count in zip(queues, waiting, strict=True):
            queued.add_metric([queue], count)
        yield queued
        webhook = GaugeMetricFamily(
            "joblook_webhook_backlog",
            "Ended tasks whose webhook is not delivered yet.",
            labels=["stage"],
        )
        webhook.add_metric(["waiting"], ended)
        webhook.add_metric(["retrying"], retrying)
        yield webhook
        workers = GaugeMetricFamily(
            "joblook_workers",
            "Workers advertising themselves (a heartbeat every few seconds), by queue they serve.",
            labels=["queue"],
        )
        for queue in queues:
            workers.add_metric([queue], sum(queue in ad.queues for ad in ads))
        yield workers


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    gauge = GaugeMetricFamily(name, documentation)
    gauge.add_metric([], value)
    return gauge


def new_states(records: list[Record], changed: list[str]) -> list[str]:
    """The state each task of ``changed`` moved to: its last status record among ``records``
    (an append lists a task as changed only when it stored a new status record of it)."""
    latest: dict[str, StatusRecord] = {}
    wanted = set(changed)
    for r in records:
        newer = r.task_id not in latest or r.seq > latest[r.task_id].seq
        if isinstance(r, StatusRecord) and r.task_id in wanted and newer:
            latest[r.task_id] = r
    return [r.state for r in latest.values()]


def init_app(app: Flask) -> WebMetrics:
    """Make this app's metrics and serve them at /metrics (before the document is built)."""
    metrics = WebMetrics()
    app.extensions["joblook.metrics"] = metrics
    app.register_blueprint(bp)
    return metrics


def watch(
    metrics: WebMetrics,
    client: redis.Redis,
    roster: Callable[[], list[WorkerAd] | None],
    viewers: Callable[[], int],
) -> None:
    """Read the store's gauges (and this process's viewers) at each scrape."""
    metrics.scrape.register(StoreCollector(client, roster, viewers))


@bp.get("/metrics")
@spec.validate(resp=replies({200: None}), tags=["service"])
@other_content(200, "text/plain")
def metrics() -> Response:
    """This web process's metrics in Prometheus' text format (docs/metrics.md).

    Takes `JOBLOOK_METRICS_TOKEN` as a bearer token, or `JOBLOOK_TOKEN` when that is unset.
    """
    registry = current_app.extensions["joblook.metrics"].scrape
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
