"""The log record: what flows worker -> file -> shipper/Fluentd -> /sync -> store -> browser.

Every service imports the record from here; nothing else spells its field names.

Wire form (one JSON object per line in ``$JOBLOOK_DATA_DIR/logs/<task_id>.jsonl``)::

    {"task_id": "...", "seq": 1, "time": "2026-11-22T02:13:00.123456Z",
     "stream": "stdout", "log": "hi\\n"}

``status`` records add ``state`` and ``exit_code``. ``seq`` starts at 1 and is contiguous per task.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import os
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson

STDOUT = "stdout"
STDERR = "stderr"
STATUS = "status"
OUTPUT_STREAMS = frozenset({STDOUT, STDERR})

# ``time``: UTC to the microsecond, as the worker stamps it (see ``timestamp``); /sync takes no
# other form, so what the store keeps and the pages show is always a real instant.
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
TIME_PATTERN = r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z"
_TIME = re.compile(TIME_PATTERN)

_OUTPUT_FIELDS = frozenset({"task_id", "seq", "time", "stream", "log"})
_STATUS_FIELDS = _OUTPUT_FIELDS | {"state", "exit_code"}


class State(enum.StrEnum):
    """Lifecycle of a task, as carried by ``status`` records and shown to users."""

    PENDING = "PENDING"
    STARTED = "STARTED"
    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"
    REVOKED = "REVOKED"

    @property
    def is_terminal(self) -> bool:
        return self in (State.SUCCESS, State.FAILURE, State.REVOKED)


TERMINAL_STATES = frozenset(s.value for s in State if s.is_terminal)
"""The states a task ends in. The pages get them from ``GET /config``; ``append.lua`` keeps a
copy that ``tests/unit/store/test_scripts.py`` compares with this."""


class RecordError(ValueError):
    """A record that does not match the wire form; the message says which field and why."""


@dataclass(slots=True)
class OutputRecord:
    """A chunk of a command's stdout or stderr, terminator included."""

    task_id: str
    seq: int
    time: str
    stream: str
    log: str

    @property
    def is_terminal(self) -> bool:
        return False


@dataclass(slots=True)
class StatusRecord:
    """A change of task state; a terminal one is the last record of its task."""

    task_id: str
    seq: int
    time: str
    stream: str
    log: str
    state: str
    exit_code: int | None

    @property
    def is_terminal(self) -> bool:
        return State(self.state).is_terminal


Record = OutputRecord | StatusRecord


def timestamp(when: dt.datetime | None = None) -> str:
    """ISO 8601 UTC with microseconds and a ``Z``, the record's ``time`` format (``when`` in
    UTC). ``TIME_FORMAT``'s text, by ``isoformat``: a third of ``strftime``'s CPU, and this runs
    several times for each task queued."""
    when = when or dt.datetime.now(dt.UTC)
    return when.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def status(
    task_id: str, seq: int, state: State, exit_code: int | None, message: str = ""
) -> StatusRecord:
    """A status record stamped now; ``message`` is a human note (not part of any output stream)."""
    return StatusRecord(task_id, seq, timestamp(), STATUS, message, state.value, exit_code)


def encode(record: Record) -> bytes:
    """The record as one compact JSON object, without a newline."""
    return orjson.dumps(record)


def encode_lines(records: Iterable[Record]) -> bytes:
    """Records as JSON lines, ready for one ``write``."""
    return b"".join(orjson.dumps(r, option=orjson.OPT_APPEND_NEWLINE) for r in records)


def from_json(raw: bytes | str) -> Record:
    """Parse and validate one JSON-encoded record."""
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise RecordError(f"not JSON: {exc}") from None
    return from_mapping(obj)


def from_mapping(obj: Any) -> Record:
    """Validate a decoded JSON object as a record. Strict: unknown or missing keys are errors."""
    if not isinstance(obj, dict):
        raise RecordError("a record must be a JSON object")
    stream = obj.get("stream")
    expected = _STATUS_FIELDS if stream == STATUS else _OUTPUT_FIELDS
    keys = obj.keys()
    if keys != expected:
        missing, unknown = sorted(expected - keys), sorted(keys - expected)
        raise RecordError(f"record fields: missing {missing}, unknown {unknown}")
    if not isinstance(stream, str):  # before any set lookup: a list or object is unhashable
        raise RecordError("stream must be one of stdout, stderr, status")
    task_id, seq, time, log = obj["task_id"], obj["seq"], obj["time"], obj["log"]
    _check_task_id(task_id)
    if type(seq) is not int or seq < 1:
        raise RecordError("seq must be an integer >= 1")
    if not isinstance(time, str) or not isinstance(log, str):
        raise RecordError("time and log must be strings")
    if not is_time(time):
        raise RecordError("time must be UTC to the microsecond, like 2026-11-22T02:13:00.123456Z")
    if stream in OUTPUT_STREAMS:
        return OutputRecord(task_id, seq, time, stream, log)
    if stream != STATUS:
        raise RecordError(f"stream must be one of stdout, stderr, status, not {stream!r}")
    state, exit_code = obj["state"], obj["exit_code"]
    if not isinstance(state, str) or state not in State.__members__:
        raise RecordError(f"state must be one of {', '.join(State)}")
    if exit_code is not None and type(exit_code) is not int:
        raise RecordError("exit_code must be an integer or null")
    return StatusRecord(task_id, seq, time, stream, log, state, exit_code)


def status_of(obj: dict[str, Any]) -> tuple[str, int | None] | None:
    """``(state, exit_code)`` when a decoded record is a status record, else None."""
    if obj.get("stream") != STATUS:
        return None
    return obj["state"], obj["exit_code"]


def output_text(objs: Iterable[dict[str, Any]]) -> str:
    """The concatenated output (stdout and stderr, in seq order) of decoded records."""
    return "".join(obj["log"] for obj in objs if obj.get("stream") in OUTPUT_STREAMS)


def is_task_id(value: object) -> bool:
    """True for a canonical (lower-case, hyphenated) UUID string, the only task id form."""
    return isinstance(value, str) and len(value) == 36 and _is_canonical_uuid(value)


@functools.lru_cache(maxsize=4096)  # a batch repeats the same few ids thousands of times
def _is_canonical_uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value
    except ValueError:
        return False


def is_time(value: str) -> bool:
    """True for a ``time`` in the one form records carry, naming a real date and time."""
    if not _TIME.fullmatch(value):
        return False
    try:
        dt.datetime.fromisoformat(value[:-1])  # the calendar: no month 13, no 25 o'clock
    except ValueError:
        return False
    return True


def new_task_id() -> str:
    return str(uuid.uuid4())


def new_task_ids(count: int) -> list[str]:
    """``count`` new random (version 4) UUIDs from one read of the system's randomness: a batch
    of 10,000 took a quarter of its enqueue time in ``uuid4``'s one read each."""
    raw = bytearray(os.urandom(16 * count))
    # The version (4) and variant (RFC 4122) bits of every UUID at once, as uuid.UUID sets them;
    # then one hex string cut into ids (building a UUID object per id cost as much again).
    raw[6::16] = bytes(b & 0x0F | 0x40 for b in raw[6::16])
    raw[8::16] = bytes(b & 0x3F | 0x80 for b in raw[8::16])
    h = raw.hex()
    return [
        f"{h[i : i + 8]}-{h[i + 8 : i + 12]}-{h[i + 12 : i + 16]}-"
        f"{h[i + 16 : i + 20]}-{h[i + 20 : i + 32]}"
        for i in range(0, 32 * count, 32)
    ]


def _check_task_id(value: object) -> None:
    if not is_task_id(value):
        raise RecordError("task_id must be a UUID")
