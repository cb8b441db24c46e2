"""``POST /sync``: parsing and storing what Fluentd's ``out_http`` (or joblook's shipper) sends.

Accepted bodies: a JSON array of records (``json_array true``), newline-delimited JSON (one record
per line), or one JSON object. Every record is validated strictly; one bad record rejects the batch
with a 400 naming it, so the sender can isolate it (nothing is half-stored). Records of tasks that
were never enqueued are acknowledged and dropped (``enqueued_only``).
"""

from __future__ import annotations

import logging
import time

import orjson
from flask import Blueprint, current_app, request

from joblook import progress, record
from joblook.record import Record, RecordError
from joblook.settings import Settings
from joblook.store.logstore import LogStore
from joblook.web import auth, broadcast
from joblook.web.errors import ApiError
from joblook.web.metrics import WebMetrics, new_states
from joblook.web.models import SyncReply, SyncRequest
from joblook.web.spec import accepts, replies, spec

log = logging.getLogger(__name__)

bp = Blueprint("ingest", __name__)
# Only the sync token, and only as a bearer token: a page's cookie must not open /sync.
auth.protect(
    bp, "/sync", token=lambda settings: settings.sync_token, cookie=False, schemes=("syncToken",)
)

SYNC_MAX_BYTES = 64 * 1024 * 1024  # a sender's whole batch; Fluentd's chunk_limit_size stays below

JSON_TYPES = frozenset({"application/json"})
NDJSON_TYPES = frozenset(
    {"application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines"}
)


def parse_records(mimetype: str, body: bytes, max_tasks: int) -> list[Record]:
    """Records from a /sync request body, of at most ``max_tasks`` tasks; raises ApiError (415,
    400, or 413 for too many tasks) on anything else."""
    if mimetype not in JSON_TYPES | NDJSON_TYPES:
        raise ApiError(415, "send records as application/json or application/x-ndjson")
    objects = _decode(body)
    records = []
    tasks: set[str] = set()
    for index, obj in enumerate(objects):
        try:
            records.append(record.from_mapping(obj))
        except RecordError as exc:
            raise ApiError(400, "invalid record", {"index": index, "reason": str(exc)}) from None
        tasks.add(records[-1].task_id)
        if len(tasks) > max_tasks:  # each task costs a script run and a reply: bound the work
            raise ApiError(
                413,
                f"a batch may hold the records of at most {max_tasks} tasks: send fewer at once",
                {"index": index, "max_tasks": max_tasks},
            )
    return records


def enqueued_only(store: LogStore, records: list[Record]) -> list[Record]:
    """The records of tasks the store knows; the others are dropped, with a warning.

    A task is stored (``/enqueue``'s ``create_task``) before its message is queued, so no worker
    can write a record of it sooner: a task id the store does not know is forged, or its log has
    expired (``JOBLOOK_LOG_TTL``) and a late resend would bring back a fragment. Storing them
    made tasks with no command. They are acknowledged, not refused: a 4xx would have the shipper
    and Fluentd set aside the good records batched with them. What is lost: the output of a task
    queued straight on the broker (Flower's "apply", a script using Celery), and of one whose
    enqueue a crashed Redis forgot after the worker took its message (the enqueue's 202 then
    names a task that is gone anyway).
    """
    known = store.known({r.task_id for r in records})
    kept = [r for r in records if r.task_id in known]
    if len(kept) < len(records):
        unknown = sorted({r.task_id for r in records} - known)
        log.warning(
            "/sync: dropped %d records of %d tasks never enqueued here (or expired), e.g. %s",
            len(records) - len(kept),
            len(unknown),
            unknown[0],
        )
    return kept


def _decode(body: bytes) -> list[object]:
    text = body.strip()
    if not text:
        raise ApiError(400, "empty body: send a JSON array, NDJSON or one JSON object")
    try:
        if text.startswith(b"["):
            return orjson.loads(text)
        return [orjson.loads(line) for line in text.splitlines() if line.strip()]
    except orjson.JSONDecodeError as exc:
        raise ApiError(400, "body is not valid JSON or NDJSON", str(exc)) from None


def _settings() -> Settings:
    return current_app.extensions["joblook.settings"]


def _store() -> LogStore:
    return current_app.extensions["joblook.store"]


@bp.post("/sync")
# The hot path keeps its hand-written check: record.from_mapping checks and builds a record in a
# quarter of the time the Record model takes (see models.py). The document's Record comes from
# models.py, and a test holds the two to the same answers; so the model validates nothing here.
@spec.validate(
    json=SyncRequest,
    resp=replies({200: SyncReply}, 503),
    tags=["ingest"],
    skip_validation=True,
)
@accepts("application/x-ndjson")
def sync() -> dict[str, int]:
    """Store records sent by Fluentd or the shipper; 2xx only once they are stored.

    Idempotent on (task_id, seq): duplicates are skipped, records ahead of a gap wait for it.
    Output that reports progress or metrics (a tqdm bar, `{"metrics": {...}}`) updates the task
    as its record is stored, once. One invalid record refuses the whole batch (400, its index in
    `detail`). Bodies may be up
    to 64 MiB, with the records of at most `JOBLOOK_SYNC_MAX_TASKS` (10,000) tasks (413 beyond).
    Records of a task never enqueued (or whose log expired) are acknowledged but not stored.
    NDJSON is also accepted as application/ndjson, application/jsonl and
    application/x-jsonlines.
    """
    started = time.perf_counter()
    request.max_content_length = SYNC_MAX_BYTES
    records = parse_records(request.mimetype, request.get_data(), _settings().sync_max_tasks)
    metrics: WebMetrics = current_app.extensions["joblook.metrics"]
    if not records:
        metrics.synced(0, 0, time.perf_counter() - started)
        return {"received": 0, "stored": 0}
    kept = enqueued_only(_store(), records)
    appended = _store().append(kept, progress.findings(kept))
    # The lines of what was stored, now (a read would catch up too: this keeps reads short).
    moved = _store().lines.catch_up_all({r.task_id for r in kept})
    current_app.extensions["joblook.outputwatch"].lines_added(moved)
    broadcast.task_changed(_store(), appended.state_changed)
    current_app.extensions["joblook.livestats"].note(appended)
    metrics.changed(new_states(kept, appended.state_changed))
    metrics.synced(len(records), appended.stored, time.perf_counter() - started)
    return {"received": len(records), "stored": appended.stored}
