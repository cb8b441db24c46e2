"""The HTTP API: enqueue a command, read its permanent log, list jobs, report health."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import orjson
from flask import Blueprint, Response, current_app, request

from joblook import record
from joblook.jobs import Job
from joblook.roles import OPERATOR
from joblook.settings import Settings
from joblook.store.audit import RUN, Entry
from joblook.store.logstore import LogStore, decode_records
from joblook.web import auth, submit
from joblook.web.errors import ApiError
from joblook.web.models import (
    Config,
    EnqueueReply,
    EnqueueRequest,
    Health,
    JobList,
    Permlog,
    PermlogQuery,
)
from joblook.web.spec import other_content, replies, spec
from joblook.web.workers import WorkerCount

bp = Blueprint("api", __name__)
auth.protect(bp, "the API")

TEXT_PAGE = 10_000  # records per read while streaming a text log
# A batch's whole body: 10,000 commands of up to 1.6 KiB each, as /sync's own bound (its 64 MiB)
# is not the user token's to use.
ENQUEUE_MAX_BYTES = 16 * 1024 * 1024


def _settings() -> Settings:
    return current_app.extensions["joblook.settings"]


def _store() -> LogStore:
    return current_app.extensions["joblook.store"]


@bp.post("/enqueue")
@auth.requires(OPERATOR)
@spec.validate(
    resp=replies(
        {202: EnqueueReply},
        (400, "A malformed request, or more GPUs than any worker of the queue has."),
        (403, "Wrong token, or the command policy refuses the command."),
        (413, "Body too large, or more than 10,000 tasks (a batch's items, a sweep's runs)."),
        503,
    ),
    tags=["tasks"],
)
def enqueue(json: EnqueueRequest) -> tuple[dict[str, object], int]:
    """Queue a shell command, a named job, a chain, group or batch of them, or a sweep; replies
    202 with the task id(s).

    A chain runs its steps in order and stops at the first failure (later steps end REVOKED and
    never run); a group runs them in parallel. Each step is a task with its own log.

    A command or job with `retries` runs again after a failure, each attempt a task of its own
    linked to the first (`attempt`, `attempts`), after `retry_delay` seconds, doubling.

    A `batch` queues up to 10,000 commands or named jobs at once, and replies with their ids in
    order. A `job` with a `sweep` (parameter -> values) queues one run per combination, grouped
    under a parent (its page: `/sweep?task_id=`). Every item or run is checked before any is
    queued: one refusal (its `index` in `detail`) refuses the whole request. Either is queued in
    one Redis transaction: all of its tasks, or none.
    """

    def noted(task_id: str | None) -> Entry:
        return auth.audit_entry(RUN, task_id=task_id)

    queued = submit.submit(json.root, submitted_by=auth.caller().name, noted=noted)
    return queued.reply(), 202


@bp.before_request
def _room_for_batches() -> None:
    """A batch of 10,000 commands is larger than other requests may be (MAX_BODY_BYTES)."""
    if request.endpoint == "api.enqueue":
        request.max_content_length = ENQUEUE_MAX_BYTES


@bp.get("/permlog")
@spec.validate(resp=replies({200: Permlog}, 404, 503), tags=["logs"])
@other_content(
    200,
    "text/plain",
    headers={"Content-Disposition": 'With `format=text`, `attachment; filename="<task_id>.log"`.'},
)
def permlog(query: PermlogQuery) -> Response:
    """The stored log of a task, in seq order, as JSON records or as plain text.

    `format=text` is the output of both streams, as a file to save. A retried task's first
    attempt's `state` is its own, as its last record says (`GET /tasks/{task_id}`: the task's).
    """
    task_id = query.task_id
    info = _store().task(task_id)
    if info is None:
        raise ApiError(404, "unknown task", {"task_id": task_id})
    if len(info.attempts) > 1:  # the state of this log, not of the attempts after it
        info = _store().own(task_id) or info
    if query.format == "text":
        return Response(
            _text(_store(), task_id, query.after_seq, _settings().feed_event_bytes),
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
    raw_records = _store().read(task_id, query.after_seq, query.limit)
    body = head[:-1] + b',"records":[' + b",".join(raw_records) + b"]}"
    return Response(body, mimetype="application/json")


def _text(store: LogStore, task_id: str, after_seq: int, max_bytes: int) -> Iterator[str]:
    # Runs after the request returned (a streamed body), so it gets the store passed in. Each
    # read is bounded in bytes too, so a log of huge lines costs no more memory than a live event.
    while True:
        raw_records, _more = store.read_event(task_id, after_seq, TEXT_PAGE, max_bytes)
        if not raw_records:
            return
        yield record.output_text(decode_records(raw_records))
        after_seq += len(raw_records)


@bp.get("/jobs")
@spec.validate(resp=replies({200: JobList}), tags=["tasks"])
def list_jobs() -> dict[str, object]:
    """The named jobs this server offers (from JOBLOOK_JOBS_FILE), with their parameters.

    An empty list when no jobs file is set.
    """
    jobs: dict[str, Job] = current_app.extensions["joblook.jobs"]
    return {"jobs": [job.describe() for job in jobs.values()]}


@bp.get("/config")
@spec.validate(resp=replies({200: Config}), tags=["service"])
def config() -> dict[str, object]:
    """What the pages need to know about this deployment."""
    settings = _settings()
    return {
        "flower_url": flower_url(settings),
        "stall_seconds": settings.stall_seconds,
        # The pages' only copy of the task states (web/static/config.js): from the record.
        "states": [state.value for state in record.State],
        "terminal_states": sorted(record.TERMINAL_STATES),
    }


def flower_url(settings: Settings) -> str:
    """JOBLOOK_FLOWER_URL, else Flower's port on JOBLOOK_PUBLIC_URL's host: from settings only,
    never from the request's Host header, which the client chooses."""
    if settings.flower_url:
        return settings.flower_url
    host = urlsplit(settings.public_url).hostname or "localhost"
    return f"http://{f'[{host}]' if ':' in host else host}:{settings.flower_port}/"


@bp.get("/healthz")
@auth.public
@spec.validate(resp=replies({200: Health}, 503), tags=["service"])
def healthz() -> tuple[dict[str, object], int]:
    """200 when the store answers; says how many Celery workers answered the latest ping.

    The count comes from a loop in the background (``workers.py``), so a probe costs one Redis
    PING however many arrive at once.
    """
    _store().ping()
    workers: WorkerCount = current_app.extensions["joblook.workers"]
    return {"ok": True, "redis": "ok", "workers": workers.count}, 200
