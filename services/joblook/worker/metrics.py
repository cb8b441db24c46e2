"""A worker's Prometheus metrics, on a port of its own (``JOBLOOK_WORKER_METRICS_PORT``).

Commands run in Celery's prefork children, so the counts are made there and served by the main
process: prometheus_client's multiprocess mode, each child writing its values to files in a
directory of this worker's own, the main process summing them at each scrape. The mode is chosen
by ``PROMETHEUS_MULTIPROC_DIR`` before the first metric exists, so ``serve`` calls ``prepare``
before Celery forks, and the metrics are made on first use (in a child).

Without the setting nothing is served, and the counts stay in each process (cheap, unread).
With ``JOBLOOK_METRICS_TOKEN`` a scrape needs it as a bearer token.
"""

from __future__ import annotations

import functools
import hmac
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import prometheus_client
import prometheus_client.values
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, multiprocess

log = logging.getLogger(__name__)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# Commands run from seconds to days.
DURATION_BUCKETS = (1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0, 4 * 3600.0, 24 * 3600.0)


@dataclass(frozen=True)
class WorkerMetrics:
    """What a worker's processes count."""

    running: Gauge
    ended: Counter
    duration: Histogram
    output_bytes: Counter
    heartbeat: Gauge


@functools.cache
def metrics() -> WorkerMetrics:
    """The worker's metrics, made once per process on first use (after ``prepare``)."""
    return WorkerMetrics(
        running=Gauge(
            "joblook_worker_tasks_running",
            "Commands this worker runs now.",
            multiprocess_mode="livesum",
        ),
        ended=Counter(
            "joblook_worker_tasks_ended", "Commands this worker ran, by how they ended.", ["state"]
        ),
        duration=Histogram(
            "joblook_worker_task_duration_seconds",
            "How long each command ran.",
            buckets=DURATION_BUCKETS,
        ),
        output_bytes=Counter(
            "joblook_worker_output_bytes",
            "Bytes of output written to the task logs, by stream.",
            ["stream"],
        ),
        heartbeat=Gauge(
            "joblook_worker_last_heartbeat_timestamp_seconds",
            "When a running task last refreshed its heartbeat in Redis (epoch seconds).",
            multiprocess_mode="max",
        ),
    )


@contextmanager
def running() -> Iterator[Callable[[str], None]]:
    """Count a command while the block runs; call the yielded function with its end state."""
    m = metrics()
    started = time.monotonic()
    m.running.inc()
    try:
        yield lambda state: (
            m.ended.labels(state).inc(),
            m.duration.observe(time.monotonic() - started),
        )
    finally:
        m.running.dec()


def wrote(stream: str, chunks: Iterable[str]) -> None:
    """Output went to a task's log."""
    metrics().output_bytes.labels(stream).inc(sum(len(c.encode()) for c in chunks))


def beat() -> None:
    """A heartbeat reached Redis."""
    metrics().heartbeat.set_to_current_time()


def prepare(state_dir: str | None = None) -> str:
    """Before Celery forks: multiprocess mode in a fresh directory; returns it."""
    directory = tempfile.mkdtemp(prefix="joblook-metrics-", dir=state_dir)
    os.environ[MULTIPROC_ENV] = directory
    # prometheus_client picks the value class when it is imported; this process imported it
    # already (the task modules do), so pick again now that the directory is set.
    prometheus_client.values.ValueClass = prometheus_client.values.get_value_class()
    metrics.cache_clear()
    return directory


def process_gone(pid: int) -> None:
    """A pool child exited: its running-commands gauge no longer counts."""
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(pid)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        log.debug("metrics: " + format, *args)


def serve(host: str, port: int, token: str | None) -> WSGIServer:
    """Serve the summed metrics of every process at ``http://host:port/metrics``, in a thread."""
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    app = prometheus_client.make_wsgi_app(registry)

    def guarded(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if token is not None:
            scheme, _, given = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(
                given.strip().encode(), token.encode()
            ):
                start_response("401 Unauthorized", [("Content-Type", "application/json")])
                return [b'{"error": "/metrics requires Authorization: Bearer <token>"}']
        return app(environ, start_response)

    server = make_server(host, port, guarded, handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, name="worker-metrics", daemon=True).start()
    log.info("worker metrics on http://%s:%d/metrics", host, server.server_port)
    return server


def cleanup(directory: str) -> None:
    """The worker stopped: its values go with it."""
    shutil.rmtree(directory, ignore_errors=True)
