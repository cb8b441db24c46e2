"""The HTTP API: enqueue a command, read its permanent log, ingest records, report health."""

from __future__ import annotations

from collections.abc import Iterator

import orjson
from celery import Celery
from flask import Blueprint, Response, current_app, request

from joblook import record
from joblook.settings import Settings
from joblook.store.logstore import LogStore, decode_records
from joblook.web import auth, broadcast, ingest, validation
from joblook.web.errors import ApiError
from joblook.worker.celery_app import RUN_TASK

bp = Blueprint("api", __name__)

TEXT_PAGE = 10_000  # records per read while streaming a text log
SYNC_MAX_BYTES = 64 * 1024 * 1024  # a sender's whole batch; Fluentd's chunk_limit_size stays below


def _settings() -> Settings:
    return current_app.extensions["joblook.settings"]


def _store() -> LogStore:
    return current_app.extensions["joblook.store"]


@bp.post("/enqueue")
def enqueue() -> tuple[dict[str, str], int]:
    """Queue a shell command; replies 202 with the new task's id."""
    auth.require(request, _settings().token, "the API")
    body = validation.json_object(request, frozenset({"cmd"}))
    cmd = body.get("cmd")
    if not isinstance(cmd, str) or not cmd.strip():
        raise ApiError(400, "cmd must be a non-empty string")
    task_id = record.new_task_id()
    _store().create_task(task_id, cmd)
    celery: Celery = current_app.extensions["celery"]
    celery.send_task(RUN_TASK, args=[cmd], task_id=task_id)
    broadcast.task_changed(_store(), [task_id])
    return {"task_id": task_id}, 202


@bp.get("/permlog")
def permlog() -> Response:
    """The stored log of a task, in seq order, as JSON records or as plain text."""
    auth.require(request, _settings().token, "the API")
    task_id = validation.task_id(request.args.get("task_id"))
    after_seq = validation.int_arg(request.args, "after_seq", 0, minimum=0) or 0
    limit = validation.int_arg(request.args, "limit", None, minimum=1)
    fmt = validation.choice(request.args, "format", ("json", "text"))
    info = _store().task(task_id)
    if info is None:
        raise ApiError(404, "unknown task", {"task_id": task_id})
    if fmt == "text":
        return Response(
            _text(_store(), task_id, after_seq),
            mimetype="text/plain",
            headers={"Content-Disposition": f'attachment; filename="{task_id}.log"'},
        )
    head = orjson.dumps(
        {
            "task_id": task_id,
            "state": info.state,
            "exit_code": info.exit_code,
            "last_seq": info.records,
        }
    )
    raw = _store().read(task_id, after_seq, limit)
    body = head[:-1] + b',"records":[' + b",".join(raw) + b"]}"
    return Response(body, mimetype="application/json")


def _text(store: LogStore, task_id: str, after_seq: int) -> Iterator[str]:
    # Runs after the request returned (a streamed body), so it gets the store passed in.
    while True:
        raw = store.read(task_id, after_seq, TEXT_PAGE)
        if not raw:
            return
        yield record.output_text(decode_records(raw))
        after_seq += len(raw)


@bp.post("/sync")
def sync() -> dict[str, int]:
    """Store records sent by Fluentd or the shipper; 2xx only once they are stored."""
    auth.require(request, _settings().sync_token, "/sync", cookie=False)
    request.max_content_length = SYNC_MAX_BYTES
    records = ingest.parse_records(request.mimetype, request.get_data())
    if not records:
        return {"received": 0, "stored": 0}
    appended = _store().append(records)
    broadcast.task_changed(_store(), appended.state_changed)
    return {"received": len(records), "stored": appended.stored}


@bp.get("/healthz")
def healthz() -> tuple[dict[str, object], int]:
    """200 when the store answers; says how many Celery workers answer a ping."""
    _store().ping()
    celery: Celery = current_app.extensions["celery"]
    workers = celery.control.ping(timeout=0.5) or []
    return {"ok": True, "redis": "ok", "workers": len(workers)}, 200
