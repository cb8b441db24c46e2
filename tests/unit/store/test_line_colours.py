"""Colours carried across lines: the SGR state each line starts from (store/lines/sgr.py)."""

from __future__ import annotations

from joblook import record
from joblook.record import OutputRecord
from joblook.store.lines.index import BATCH_RECORDS
from joblook.store.lines.sgr import carry
from joblook.store.logstore import LogStore
from tests.unit.store.test_line_assembly import assemble, end, rec

TASK = "5f2b8a1e-3c4d-4e5f-8a9b-0c1d2e3f4a5b"


def test_a_colour_stays_on_until_an_escape_turns_it_off() -> None:
    assert carry("", "\x1b[31mred") == "31"
    assert carry("31", "still red") == "31"
    assert carry("31", "done\x1b[0m") == ""
    assert carry("1;31", "\x1b[22m") == "31"
    assert carry("31", "\x1b[39m") == ""


def test_256_and_true_colours_and_styles_are_kept_in_one_order() -> None:
    state = carry("", "\x1b[4;38;5;208m\x1b[48;2;10;20;30m\x1b[1m")
    assert state == "1;4;38;5;208;48;2;10;20;30"
    assert carry(state, "\x1b[49;24m") == "1;38;5;208"


def test_other_escapes_and_malformed_colours_leave_the_state_as_it_was() -> None:
    assert carry("32", "\x1b[2K\x1b[1A\x1b]0;title\x07") == "32"
    assert carry("32", "\x1b[38;5m") == "32"


def test_each_line_starts_from_the_colour_its_own_stream_left_on() -> None:
    lines, assembler = assemble(
        rec("stdout", "\x1b[31mred\nstill red\x1b[0m\n"),
        rec("stderr", "plain\n"),
        rec("stdout", "after\n"),
        rec("stdout", "\x1b[1mbold bar\rbold bar 2"),
    )
    assert [(line.text, line.sgr) for line in lines] == [
        ("\x1b[31mred", ""),
        ("still red\x1b[0m", "31"),
        ("plain", ""),
        ("after", ""),
    ]
    assert assembler.current()[0]["text"] == "bold bar 2"
    lines, _ = assemble(rec("stdout", "\x1b[33mx\n"), rec("stdout", "y"), end())
    assert [line.sgr for line in lines] == ["", "33"]


def test_the_carried_colour_survives_the_index_and_its_batches(store: LogStore) -> None:
    records = [OutputRecord(TASK, 1, record.timestamp(), record.STDOUT, "\x1b[32mgreen\n")]
    records += [
        OutputRecord(TASK, seq, record.timestamp(), record.STDOUT, f"line {seq}\n")
        for seq in range(2, BATCH_RECORDS + 10)
    ]
    store.append(records)
    snapshot = store.lines.catch_up(TASK)
    got = store.lines.lines(TASK, snapshot.count - 1, 2, snapshot)
    assert [line.sgr for line in got] == ["32", "32"]
    assert got[0].to_json()["sgr"] == "32"
    first = store.lines.lines(TASK, 1, 1, snapshot)[0]
    assert "sgr" not in first.to_json()
