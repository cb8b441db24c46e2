"""``joblook web``: serve the app on eventlet (the caller has monkey-patched already)."""

from __future__ import annotations

import logging
import os

import eventlet.wsgi
import urllib3

from joblook import logs, security, webprocesses
from joblook.settings import WEB_PROCESS_ENV, Settings
from joblook.store import roster
from joblook.taskqueue import make_celery
from joblook.web import connections, create_app, webhook
from joblook.web.broadcast import task_changed
from joblook.web.extensions import socketio
from joblook.web.reaper import Reaper
from joblook.web.retrier import Retrier
from joblook.web.workers import celery_ping

log = logging.getLogger(__name__)

# eventlet's wsgi server caps concurrent connections at 1,024 green threads by default, and
# every Socket.IO viewer holds one; raise it so a thousand viewers and the API fit together.
MAX_CONNECTIONS = 10_000


def serve(args: list[str], settings: Settings) -> int:
    webprocesses.parse_args(args)
    security.check_web(settings)
    logs.setup(_service_name(), settings)
    fd = webprocesses.listening_fd(settings)
    if fd is None:
        return 1
    app = create_app(settings, async_mode="eventlet")
    store = app.extensions["joblook.store"]
    reaper = Reaper(store, settings.worker_lost_after, lambda lost: task_changed(store, lost))
    socketio.start_background_task(reaper.run, socketio.sleep)
    retrier = Retrier(store, app.extensions["celery"], lambda ids: task_changed(store, ids))
    socketio.start_background_task(retrier.run, socketio.sleep)
    # Its own Celery app: the pings must never take a broker connection an enqueue is waiting for.
    ping = celery_ping(make_celery(settings))
    workers, read_roster = app.extensions["joblook.workers"], lambda: roster.read(store.redis)
    socketio.start_background_task(workers.run, ping, socketio.sleep, read_roster)
    if settings.webhook_url is not None:
        post = webhook.http_post(urllib3.PoolManager(num_pools=4))
        sender = webhook.WebhookSender(
            store, settings.webhook_url, settings.public_url, post=post, sleep=socketio.sleep
        )
        socketio.start_background_task(sender.run)
    connections.guard_socketio(socketio.server)
    log.info("joblook web listening on http://%s:%d", settings.host, settings.port)
    # What socketio.run does for eventlet, on a socket made here (or inherited: webprocesses).
    eventlet.wsgi.server(
        connections.listener(fd),
        app,
        log_output=False,
        max_size=MAX_CONNECTIONS,
        # eventlet holds back streamed bodies until 4 KiB have gathered; a follow stream must send
        # each line the moment it is stored. (The per-request environ switch does not reach the
        # server: Flask-SocketIO's middleware hands Flask a copy of the environ.)
        minimum_chunk_size=0,
        **connections.server_options(),
    )
    return 0


def _service_name() -> str:
    """``web``, or ``web.2`` for the second of several web processes (their log lines differ)."""
    number = os.environ.get(WEB_PROCESS_ENV)
    return f"web.{number}" if number else "web"
