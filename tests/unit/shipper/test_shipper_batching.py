"""The pieces behind a batch: reading, fair shares, bodies, halves, positions and backoff."""

from __future__ import annotations

import os
from pathlib import Path

import orjson
import pytest

from joblook.shipper import batch
from joblook.shipper.batch import Piece
from joblook.shipper.positions import Position, PositionStore
from joblook.shipper.reader import read_piece
from joblook.shipper.tailer import Tailer


def _lines(prefix: str, count: int) -> list[bytes]:
    return [orjson.dumps({"n": f"{prefix}{i}"}) for i in range(count)]


def _write(path: Path, lines: list[bytes], tail: bytes = b"") -> None:
    path.write_bytes(b"".join(line + b"\n" for line in lines) + tail)


def _read(path: Path, start: int = 0, max_bytes: int = 1 << 20, max_lines: int = 1000) -> Piece:
    fd = os.open(path, os.O_RDONLY)
    try:
        piece = read_piece(
            fd, path.name, os.fstat(fd), start, max_bytes=max_bytes, max_lines=max_lines
        )
    finally:
        os.close(fd)
    assert piece is not None
    return piece


def test_reading_stops_at_the_last_complete_line(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    _write(path, _lines("a", 3), tail=b'{"half":')
    piece = _read(path)
    assert piece.lines() == _lines("a", 3)
    assert piece.end == path.stat().st_size - len(b'{"half":')


def test_reading_keeps_to_the_line_budget_with_exact_offsets(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    lines = _lines("a", 10)
    _write(path, lines)
    piece = _read(path, max_lines=4)
    assert (piece.lines(), piece.more) == (lines[:4], True)
    rest = _read(path, start=piece.end)
    assert rest.lines() == lines[4:]


def test_a_line_longer_than_the_byte_budget_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    long_line = orjson.dumps({"n": "x" * 200_000})
    _write(path, [long_line, b"{}"])
    assert _read(path, max_bytes=1000).lines() == [long_line]


def test_halves_split_a_batch_by_lines_and_keep_byte_offsets(tmp_path: Path) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    _write(a, _lines("a", 3))
    _write(b, _lines("b", 4))
    pieces = [_read(a), _read(b)]
    first, second = batch.halves(pieces)
    assert [p.count for p in first] == [3] and [p.count for p in second] == [4]
    left, right = batch.halves(second)
    assert (left[0].lines(), right[0].lines()) == (_lines("b", 2), _lines("b", 4)[2:])
    assert (left[0].end, right[0].start, right[0].end) == (
        right[0].start,
        len(b"".join(line + b"\n" for line in _lines("b", 2))),
        b.stat().st_size,
    )


def test_the_body_is_a_json_array_of_the_lines_without_blank_ones() -> None:
    pieces = [Piece("a", 1, 0, b'{"x":1}\n\n{"x":2}', 3), Piece("b", 2, 0, b"\n", 2)]
    assert batch.body(pieces) == b'[{"x":1},{"x":2}]'
    assert orjson.loads(batch.body(pieces)) == [{"x": 1}, {"x": 2}]
    assert batch.body([Piece("b", 2, 0, b"", 1)]) == batch.EMPTY_BODY


def test_a_batch_shares_its_budget_fairly_between_files(tmp_path: Path) -> None:
    busy, quiet = _lines("busy", 1000), _lines("quiet", 1)
    _write(tmp_path / "busy.jsonl", busy)
    _write(tmp_path / "quiet.jsonl", quiet)
    _write(tmp_path / "other.txt", _lines("other", 5))
    tailer = Tailer(tmp_path, {})
    try:
        tailer.poll()
        pieces = tailer.take(max_bytes=1 << 20, max_lines=100, max_files=10)
    finally:
        tailer.close()
    shipped = [line for piece in pieces for line in piece.lines()]
    assert len(shipped) == 100
    assert quiet[0] in shipped
    assert [line for line in shipped if line != quiet[0]] == busy[:99]


def test_a_batch_takes_lines_of_at_most_max_files_files_and_the_rest_later(
    tmp_path: Path,
) -> None:
    names = [f"task{i}.jsonl" for i in range(5)]
    for name in names:
        _write(tmp_path / name, _lines(name, 3))
    tailer = Tailer(tmp_path, {})
    try:
        tailer.poll()
        first = tailer.take(max_bytes=1 << 20, max_lines=100, max_files=2)
        tailer.acknowledge(first)
        rest = tailer.take(max_bytes=1 << 20, max_lines=100, max_files=10)
    finally:
        tailer.close()
    assert len({piece.name for piece in first}) == 2
    assert sorted(piece.name for piece in first + rest) == names


def test_positions_survive_a_save_and_load(tmp_path: Path) -> None:
    store = PositionStore(tmp_path / "shipper" / "positions.json")
    positions = {"a.jsonl": Position(11, 120), "b.jsonl": Position(12, 30, done=True)}
    store.save(positions)
    assert store.load() == positions
    assert [p.name for p in store.path.parent.iterdir()] == ["positions.json"]


def test_an_unreadable_positions_file_loads_as_empty(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = PositionStore(tmp_path / "positions.json")
    store.path.write_bytes(b"{not json")
    assert store.load() == {}
    assert "unreadable positions file" in caplog.text
