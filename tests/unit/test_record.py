"""The record: one definition, strict on the way in, compact and exact on the way out."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import orjson
import pytest

from joblook import record
from joblook.record import OutputRecord, RecordError, State, StatusRecord

TASK = "5f2b8a1e-3c4d-4e5f-8a9b-0c1d2e3f4a5b"
STAMP = "2026-11-22T02:13:00.123456Z"


def test_an_output_record_encodes_to_exactly_the_five_fields() -> None:
    out = OutputRecord(TASK, 3, "2026-11-22T02:13:00.123456Z", record.STDOUT, "hé\r")
    assert orjson.loads(record.encode(out)) == {
        "task_id": TASK,
        "seq": 3,
        "time": "2026-11-22T02:13:00.123456Z",
        "stream": "stdout",
        "log": "hé\r",
    }


def test_a_status_record_adds_state_and_exit_code() -> None:
    status = record.status(TASK, 9, State.FAILURE, 3, "exited with code 3")
    decoded = orjson.loads(record.encode(status))
    assert (decoded["stream"], decoded["state"], decoded["exit_code"]) == ("status", "FAILURE", 3)
    assert decoded["log"] == "exited with code 3"
    assert status.is_terminal
    assert not record.status(TASK, 1, State.STARTED, None).is_terminal


def test_records_survive_a_round_trip_through_json_lines() -> None:
    records = [
        OutputRecord(TASK, 1, record.timestamp(), record.STDERR, "\x1b[31mred\x1b[0m\n"),
        record.status(TASK, 2, State.SUCCESS, 0),
    ]
    lines = record.encode_lines(records).splitlines()
    assert [record.from_json(line) for line in lines] == records


def test_the_timestamp_is_utc_with_microseconds_and_a_z() -> None:
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", record.timestamp())


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"seq": 0}, "seq"),
        ({"seq": "1"}, "seq"),
        ({"seq": True}, "seq"),
        ({"task_id": "../../etc/passwd"}, "UUID"),
        ({"task_id": TASK.upper()}, "UUID"),
        ({"stream": "stdin"}, "stream"),
        ({"stream": {}}, "stream"),  # was a TypeError (a 500 at /sync)
        ({"stream": ["stdout"]}, "stream"),
        ({"log": 5}, "strings"),
        ({"extra": 1}, "unknown"),
        ({"time": "<script>"}, "time must be UTC"),
        ({"time": "2026-11-22T02:13:00Z"}, "time must be UTC"),  # no microseconds
        ({"time": "2026-11-22 02:13:00.123456Z"}, "time must be UTC"),
        ({"time": "2026-11-22T02:13:00.123456+00:00"}, "time must be UTC"),
        ({"time": "2026-02-30T02:13:00.123456Z"}, "time must be UTC"),  # no such day
        ({"time": "2026-11-22T24:00:00.000000Z"}, "time must be UTC"),
        ({"time": "\uff12026-11-22T02:13:00.123456Z"}, "time must be UTC"),  # a non-ASCII digit
    ],
)
def test_a_malformed_record_is_refused_naming_the_problem(
    change: dict[str, object], complaint: str
) -> None:
    obj = {"task_id": TASK, "seq": 1, "time": STAMP, "stream": "stdout", "log": "x"} | change
    with pytest.raises(RecordError, match=complaint):
        record.from_mapping(obj)


def test_a_status_record_needs_a_known_state_and_an_integer_or_null_exit_code() -> None:
    base = {"task_id": TASK, "seq": 1, "time": STAMP, "stream": "status", "log": ""}
    with pytest.raises(RecordError, match="missing"):
        record.from_mapping(base)
    with pytest.raises(RecordError, match="state"):
        record.from_mapping(base | {"state": "DONE", "exit_code": 0})
    with pytest.raises(RecordError, match="state"):  # was a TypeError (a 500 at /sync)
        record.from_mapping(base | {"state": {}, "exit_code": 0})
    with pytest.raises(RecordError, match="exit_code"):
        record.from_mapping(base | {"state": "FAILURE", "exit_code": "3"})
    assert isinstance(
        record.from_mapping(base | {"state": "REVOKED", "exit_code": None}), StatusRecord
    )


def test_not_json_and_not_an_object_are_refused() -> None:
    with pytest.raises(RecordError, match="not JSON"):
        record.from_json(b"{nope")
    with pytest.raises(RecordError, match="object"):
        record.from_json(b"[1]")


def test_output_text_joins_both_output_streams_and_skips_status() -> None:
    objs = [
        {"stream": "stdout", "log": "a\n"},
        {"stream": "status", "log": "started", "state": "STARTED", "exit_code": None},
        {"stream": "stderr", "log": "b"},
    ]
    assert record.output_text(objs) == "a\nb"
    assert record.status_of(objs[1]) == ("STARTED", None)
    assert record.status_of(objs[0]) is None


def test_task_ids_made_in_bulk_are_distinct_canonical_version_4_uuids() -> None:
    ids = record.new_task_ids(1000)
    assert len(set(ids)) == 1000
    assert all(record.is_task_id(i) and uuid.UUID(i).version == 4 for i in ids)
    assert all(uuid.UUID(i).variant == uuid.RFC_4122 and str(uuid.UUID(i)) == i for i in ids)


def test_a_given_time_is_written_in_exactly_the_time_format() -> None:
    for when in (
        dt.datetime(2026, 12, 2, 9, 5, 7, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 1, 31, 23, 59, 59, 999_999, tzinfo=dt.UTC),
    ):
        written = record.timestamp(when)
        assert written == when.strftime(record.TIME_FORMAT)
        parsed = dt.datetime.strptime(written, record.TIME_FORMAT).replace(tzinfo=dt.UTC)
        assert parsed == when
