"""The web service: HTTP API, pages and Socket.IO, built by ``create_app``."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask

from joblook import jobs
from joblook.settings import Settings, SettingsError
from joblook.store.artifacts.backends import open_store, s3_options
from joblook.store.logstore import LogStore
from joblook.taskqueue import make_celery
from joblook.taskwire import TaskWire
from joblook.web import (
    accounts,
    api,
    artifacts,
    auth,
    broadcast,
    chunked,
    errors,
    headers,
    hosts,
    ingest,
    jsonio,
    lines,
    metrics,
    openapi,
    pages,
    rerun,
    schedules,
    secrets,
    sweeps,
    tasks,
)
from joblook.web.acks import AckWindow
from joblook.web.extensions import socketio
from joblook.web.feed import LiveFeed
from joblook.web.livestats import LiveStats
from joblook.web.messagequeue import CoalescingRedisManager
from joblook.web.outputwatch import OutputWatch
from joblook.web.workers import WorkerCount


def create_app(
    settings: Settings | None = None, async_mode: str = "threading", message_queue: bool = True
) -> Flask:
    """Build the app; ``async_mode`` is "eventlet" in ``joblook web``, "threading" in unit tests.

    ``message_queue=False`` only for Socket.IO's test client, which cannot work with one.
    """
    settings = settings or Settings.from_env()
    app = Flask(__name__, static_folder=None)
    app.config.from_mapping(MAX_CONTENT_LENGTH=settings.max_body_bytes, JSON_SORT_KEYS=False)
    store = LogStore.from_url(
        settings.redis_url, log_ttl=settings.log_ttl, queue_ended=settings.webhook_url is not None
    )
    app.extensions["joblook.settings"] = settings
    app.extensions["joblook.store"] = store
    app.extensions["celery"] = make_celery(settings)
    app.extensions["joblook.artifacts"] = open_store(settings.artifacts_url, s3_options(settings))
    app.extensions["joblook.wire"] = TaskWire(app.extensions["celery"])
    app.extensions["joblook.workers"] = WorkerCount()  # kept counting by ``joblook web``
    try:
        app.extensions["joblook.jobs"] = jobs.load(settings.jobs_file) if settings.jobs_file else {}
    except jobs.JobsFileError as exc:
        raise SettingsError(str(exc)) from None
    errors.init_app(app)
    headers.init_app(app)
    auth.init_app(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(ingest.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(tasks.bp)
    app.register_blueprint(rerun.bp)
    app.register_blueprint(schedules.bp)
    app.register_blueprint(secrets.bp)
    app.register_blueprint(lines.bp)
    app.register_blueprint(artifacts.bp)
    app.register_blueprint(accounts.bp)
    web_metrics = metrics.init_app(app)
    app.register_blueprint(sweeps.bp)
    openapi.init_app(app)

    from joblook.web import events  # noqa: F401, PLC0415  (registers the Socket.IO handlers)

    # Emits reach the clients of every web process through Redis, a few ms' worth per publish
    # (messagequeue.py). (An explicit client_manager=None stops the SocketIO object reusing a
    # queue from an earlier app in the same process.)
    queue = CoalescingRedisManager(settings.redis_url) if message_queue else None
    socketio.init_app(
        app,
        async_mode=async_mode,
        json=jsonio,
        # None: only the page's own origin may open a connection (a foreign page could otherwise
        # ride on the cookie); JOBLOOK_CORS_ORIGINS adds others.
        cors_allowed_origins=settings.cors_origins,
        client_manager=queue,
        # Several processes on one port: a long-polling client's requests could each reach a
        # different process, which does not know its session. WebSocket is one connection.
        transports=["websocket"] if settings.web_processes > 1 else ["polling", "websocket"],
    )
    # Outermost, so the Socket.IO handshake and WebSocket upgrades are checked too.
    app.wsgi_app = hosts.HostCheck(app.wsgi_app, hosts.allowed_hosts(settings))
    if async_mode == "eventlet":
        chunked.init_app(app)  # eventlet's input ends a chunked body itself
    feed = LiveFeed(
        store,
        emit=_local_emit,
        spawn=socketio.start_background_task,
        # A viewer may have about one event's worth of bytes unacknowledged before it waits.
        window=AckWindow(limit=settings.feed_event_bytes),
        event_bytes=settings.feed_event_bytes,
        sent=web_metrics.sent,
    )
    app.extensions["joblook.feed"] = feed
    feed.start()
    workers = app.extensions["joblook.workers"]
    metrics.watch(web_metrics, store.redis, lambda: workers.roster, feed.subscriber_count)
    stats = LiveStats(emit=_emit_to_rooms, tasks_room=broadcast.TASKS_ROOM)
    app.extensions["joblook.livestats"] = stats
    socketio.start_background_task(stats.run)
    app.extensions["joblook.outputwatch"] = OutputWatch(store, broadcast.output_matched)
    return app


def _emit_to_rooms(event: str, data: dict[str, object], rooms: list[str]) -> None:
    # Through the message queue: the rooms' clients may be connected to any web process.
    socketio.emit(event, data, to=rooms)


def _local_emit(
    event: str, data: object, sids: list[str], callback: Callable[..., None] | None = None
) -> None:
    # Subscribers' cursors live in this process, so these emits skip the message queue (which is
    # also what lets an acknowledgement come back here, to the feed that asked for it).
    socketio.server.emit(event, data, to=sids, namespace="/", ignore_queue=True, callback=callback)
