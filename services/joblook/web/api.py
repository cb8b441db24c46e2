"""The HTTP API: enqueue a command, read its permanent log, ingest records, report health."""

from __future__ import annotations

from collections.abc import Iterator

import orjson
from celery import Celery
from flask import Blueprint, Response, current_app, request

from joblook import progress, record
from joblook.jobs import Job
from joblook.settings import Settings
from joblook.store.logstore import LogStore, decode_records
from joblook.web import auth, broadcast, ingest, launch, policy, validation
from joblook.web.errors import ApiError
from joblook.web.workers import WorkerCount

bp = Blueprint("api", __name__)

TEXT_PAGE = 10_000  # records per read while streaming a text log
SYNC_MAX_BYTES = 64 * 1024 * 1024  # a sender's whole batch; Fluentd's chunk_limit_size stays below


def _settings() -> Settings:
    return current_app.extensions["joblook.settings"]


def _store() -> LogStore:
    return current_app.extensions["joblook.store"]


MAX_STEPS = 100
ENQUEUE_KEYS = frozenset({"cmd", "job", "params", "chain", "group", "timeout"})


@bp.post("/enqueue")
def enqueue() -> tuple[dict[str, object], int]:
    """Queue a shell command, or a chain or group of them; replies 202 with the task id(s).

    A chain runs its steps in order and stops at the first failure (later steps end REVOKED and
    never run); a group runs them in parallel. Each step is a task with its own log.
    ---
    post:
      tags: [tasks]
      requestBody:
        required: true
        content:
          application/json:
            schema: EnqueueRequest
      responses:
        202:
          description: Queued.
          content:
            application/json:
              schema: EnqueueReply
        400: BadRequest
        401: Unauthorized
        403:
          description: Wrong token, or the command policy refuses the command.
          content:
            application/json:
              schema: Error
        413: PayloadTooLarge
        415: UnsupportedMediaType
        503: Unavailable
    """
    auth.require(request, _settings().token, "the API")
    body = validation.json_object(request, ENQUEUE_KEYS)
    given = [kind for kind in ("cmd", "job", *launch.KINDS) if kind in body]
    if len(given) != 1:
        raise ApiError(400, "send exactly one of cmd, job, chain or group")
    if "params" in body and given[0] != "job":
        raise ApiError(400, "params go with job")
    timeout = validation.positive_number(body.get("timeout"), "timeout")
    celery: Celery = current_app.extensions["celery"]
    jobs: dict[str, Job] = current_app.extensions["joblook.jobs"]
    if given[0] in ("cmd", "job"):
        if given[0] == "job":
            argv, shown = policy.job_argv(jobs, body["job"], body.get("params"))
            task_id = launch.launch_command(_store(), celery, argv, timeout, shown=shown)
        else:
            cmd = _command(body["cmd"], "cmd")
            policy.check_raw(_settings(), jobs, [cmd])
            task_id = launch.launch_command(_store(), celery, cmd, timeout)
        broadcast.task_changed(_store(), [task_id])
        return {"task_id": task_id}, 202
    kind, cmds = given[0], body[given[0]]
    if not isinstance(cmds, list) or not 1 <= len(cmds) <= MAX_STEPS:
        raise ApiError(400, f"{kind} must be a list of 1 to {MAX_STEPS} commands")
    cmds = [_command(cmd, f"{kind}[{i}]") for i, cmd in enumerate(cmds)]
    policy.check_raw(_settings(), jobs, cmds)
    parent, steps = launch.launch_steps(_store(), celery, kind, cmds, timeout)
    broadcast.task_changed(_store(), [parent, *steps])
    return {"task_id": parent, "steps": steps}, 202


def _command(value: object, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ApiError(400, f"{name} must be a non-empty string")
    if "\0" in value:  # no exec can carry it: the worker could only fail to start the command
        raise ApiError(400, f"{name} must not contain a NUL character")
    return value


@bp.get("/permlog")
def permlog() -> Response:
    """The stored log of a task, in seq order, as JSON records or as plain text.

    `format=text` is the output of both streams, as a file to save.
    ---
    get:
      tags: [logs]
      parameters:
        - TaskIdInQuery
        - in: query
          name: after_seq
          description: Only records after this seq.
          schema: {type: integer, format: int64, minimum: 0, maximum: 9007199254740991, default: 0}
        - in: query
          name: limit
          description: At most this many records (JSON only).
          schema: {type: integer, format: int64, minimum: 1, maximum: 9007199254740991}
        - in: query
          name: format
          schema: {type: string, enum: [json, text], default: json}
      responses:
        200:
          description: The records (JSON), or the output (text).
          headers:
            Content-Disposition:
              description: With `format=text`, `attachment; filename="<task_id>.log"`.
              schema: {type: string}
          content:
            application/json:
              schema: Permlog
            text/plain:
              schema: {type: string}
        400: BadRequest
        401: Unauthorized
        403: Forbidden
        404: NotFound
        503: Unavailable
    """
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
            _text(_store(), task_id, after_seq, _settings().feed_event_bytes),
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


def _text(store: LogStore, task_id: str, after_seq: int, max_bytes: int) -> Iterator[str]:
    # Runs after the request returned (a streamed body), so it gets the store passed in. Each
    # read is bounded in bytes too, so a log of huge lines costs no more memory than a live event.
    while True:
        raw, _more = store.read_event(task_id, after_seq, TEXT_PAGE, max_bytes)
        if not raw:
            return
        yield record.output_text(decode_records(raw))
        after_seq += len(raw)


@bp.post("/sync")
def sync() -> dict[str, int]:
    """Store records sent by Fluentd or the shipper; 2xx only once they are stored.

    Idempotent on (task_id, seq): duplicates are skipped, records ahead of a gap wait for it.
    Output that reports progress or metrics (a tqdm bar, `{"metrics": {...}}`) updates the task
    as its record is stored, once. One invalid record refuses the whole batch (400, its index in
    `detail`). Bodies may be up
    to 64 MiB, with the records of at most `JOBLOOK_SYNC_MAX_TASKS` (1,000) tasks (413 beyond).
    Records of a task never enqueued (or whose log expired) are acknowledged but not stored.
    NDJSON is also accepted as application/ndjson, application/jsonl and
    application/x-jsonlines.
    ---
    post:
      tags: [ingest]
      security:
        - syncToken: []
      requestBody:
        required: true
        content:
          application/json:
            schema:
              oneOf:
                - type: array
                  items: Record
                - Record
          application/x-ndjson:
            schema:
              description: One record per line.
              type: array
              items: Record
      responses:
        200:
          description: Stored.
          content:
            application/json:
              schema: SyncReply
        400: BadRequest
        401: Unauthorized
        403: Forbidden
        413: PayloadTooLarge
        415: UnsupportedMediaType
        503: Unavailable
    """
    auth.require(request, _settings().sync_token, "/sync", cookie=False)
    request.max_content_length = SYNC_MAX_BYTES
    records = ingest.parse_records(request.mimetype, request.get_data(), _settings().sync_max_tasks)
    if not records:
        return {"received": 0, "stored": 0}
    kept = ingest.enqueued_only(_store(), records)
    appended = _store().append(kept, progress.findings(kept))
    broadcast.task_changed(_store(), appended.state_changed)
    current_app.extensions["joblook.livestats"].note(appended)
    return {"received": len(records), "stored": appended.stored}


@bp.get("/jobs")
def list_jobs() -> dict[str, object]:
    """The named jobs this server offers (from JOBLOOK_JOBS_FILE), with their parameters.
    ---
    get:
      tags: [tasks]
      responses:
        200:
          description: The jobs; an empty list when no jobs file is set.
          content:
            application/json:
              schema: JobList
        401: Unauthorized
        403: Forbidden
    """
    auth.require(request, _settings().token, "the API")
    jobs: dict[str, Job] = current_app.extensions["joblook.jobs"]
    return {"jobs": [job.describe() for job in jobs.values()]}


@bp.get("/healthz")
def healthz() -> tuple[dict[str, object], int]:
    """200 when the store answers; says how many Celery workers answered the latest ping.

    The count comes from a loop in the background (``workers.py``), so a probe costs one Redis
    PING however many arrive at once.
    ---
    get:
      tags: [service]
      security: []
      responses:
        200:
          description: The store answers.
          content:
            application/json:
              schema: Health
        503: Unavailable
    """
    _store().ping()
    workers: WorkerCount = current_app.extensions["joblook.workers"]
    return {"ok": True, "redis": "ok", "workers": workers.count}, 200
