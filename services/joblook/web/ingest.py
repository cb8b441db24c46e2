"""Parsing what Fluentd's ``out_http`` (or joblook's shipper) POSTs to ``/sync``.

Accepted bodies: a JSON array of records (``json_array true``), newline-delimited JSON (one record
per line), or one JSON object. Every record is validated strictly; one bad record rejects the batch
with a 400 naming it, so the sender can isolate it (nothing is half-stored).
"""

from __future__ import annotations

import orjson

from joblook import record
from joblook.record import Record, RecordError
from joblook.web.errors import ApiError

JSON_TYPES = frozenset({"application/json"})
NDJSON_TYPES = frozenset(
    {"application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines"}
)


def parse_records(mimetype: str, body: bytes) -> list[Record]:
    """Records from a /sync request body; raises ApiError (415 or 400) on anything else."""
    if mimetype not in JSON_TYPES | NDJSON_TYPES:
        raise ApiError(415, "send records as application/json or application/x-ndjson")
    objects = _decode(body)
    records = []
    for index, obj in enumerate(objects):
        try:
            records.append(record.from_mapping(obj))
        except RecordError as exc:
            raise ApiError(400, "invalid record", {"index": index, "reason": str(exc)}) from None
    return records


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
