"""Records into the lines a terminal shows: streams, ``\\r`` frames, partial lines, the end."""

from __future__ import annotations

from typing import Any

from joblook.store.lines.assemble import MAX_LINE_CHARS, Assembler, Line, epoch

T0 = "2026-11-22T02:13:00.000000Z"


def rec(stream: str, log: str, second: int = 0) -> dict[str, Any]:
    return {"stream": stream, "log": log, "time": f"2026-11-22T02:13:{second:02d}.000000Z"}


def end(state: str = "SUCCESS", second: int = 59) -> dict[str, Any]:
    return {"stream": "status", "state": state, "exit_code": 0, "log": "", "time": T0[:17]
            + f"{second:02d}.000000Z"}  # fmt: skip


def assemble(*records: dict[str, Any], state: dict[str, Any] | None = None) -> tuple[
    list[Line], Assembler
]:  # fmt: skip
    lines: list[Line] = []
    assembler = Assembler(state, lines.append)
    for r in records:
        assembler.feed(r)
    return lines, assembler


def texts(lines: list[Line]) -> list[str]:
    return [line.text for line in lines]


def test_lines_of_both_streams_are_numbered_in_the_order_they_complete() -> None:
    lines, _ = assemble(rec("stdout", "a\nb"), rec("stderr", "E1\n"), rec("stdout", "c\nd\n"))
    assert [(line.n, line.text, line.stream) for line in lines] == [
        (1, "a", "stdout"),
        (2, "E1", "stderr"),
        (3, "bc", "stdout"),
        (4, "d", "stdout"),
    ]


def test_a_line_split_across_chunks_is_one_line_with_the_time_it_completed() -> None:
    lines, _ = assemble(rec("stdout", "hel", 1), rec("stdout", "lo", 2), rec("stdout", "\n", 3))
    assert texts(lines) == ["hello"]
    assert lines[0].time == epoch("2026-11-22T02:13:03.000000Z")


def test_a_carriage_return_redraws_the_line_and_the_last_frame_is_kept() -> None:
    bar = "".join(f"\r{p:3d}%|{'#' * (p // 10):10}|" for p in range(0, 101, 10))
    lines, assembler = assemble(rec("stderr", bar), rec("stderr", "\n"))
    assert texts(lines) == ["100%|##########|"]
    assert assembler.current() == []


def test_crlf_counts_as_a_newline_even_split_between_chunks() -> None:
    lines, _ = assemble(rec("stdout", "one\r\ntwo\r"), rec("stdout", "\nthree\r\n"))
    assert texts(lines) == ["one", "two", "three"]


def test_the_unterminated_line_of_each_stream_is_reported_as_its_latest_frame() -> None:
    _, assembler = assemble(rec("stdout", "done\nhalf"), rec("stderr", "\r 10%\r 20%", 5))
    assert assembler.current() == [
        {"stream": "stdout", "text": "half", "time": assembler.partials["stdout"].time},
        {"stream": "stderr", "text": " 20%", "time": assembler.partials["stderr"].time},
    ]


def test_the_bar_stays_below_lines_printed_while_it_runs_and_ends_as_the_last_line() -> None:
    records = []
    for step in range(3):
        records.append(rec("stderr", f"\rbar {step}/3"))
        records.append(rec("stdout", f"epoch {step}\n"))
    records.append(rec("stderr", "\rbar 3/3"))
    lines, assembler = assemble(*records)
    assert texts(lines) == ["epoch 0", "epoch 1", "epoch 2"]
    assert [p["text"] for p in assembler.current()] == ["bar 3/3"]
    assembler.feed(end())
    assert texts(lines)[-1] == "bar 3/3"
    assert assembler.current() == []
    assert assembler.finished


def test_partials_become_lines_at_the_end_stdout_first() -> None:
    lines, _ = assemble(rec("stderr", "err tail"), rec("stdout", "out tail"), end())
    assert [(line.text, line.stream) for line in lines] == [
        ("out tail", "stdout"),
        ("err tail", "stderr"),
    ]


def test_escapes_are_kept_in_the_text_and_removed_from_the_plain_text() -> None:
    lines, _ = assemble(rec("stdout", "\x1b[31mred\x1b[0m \x1b]0;title\x07ok\n"))
    assert lines[0].text == "\x1b[31mred\x1b[0m \x1b]0;title\x07ok"
    assert lines[0].plain == "red ok"


def test_an_endless_line_is_cut_so_the_state_stays_bounded() -> None:
    lines, assembler = assemble(rec("stdout", "x" * (2 * MAX_LINE_CHARS + 5)))
    assert [len(line.text) for line in lines] == [MAX_LINE_CHARS, MAX_LINE_CHARS]
    assert assembler.current()[0]["text"] == "xxxxx"


def test_the_state_carries_everything_between_batches() -> None:
    whole, _ = assemble(rec("stdout", "a\r"), rec("stdout", "\nb\rc"), rec("stderr", "e"), end())
    first, assembler = assemble(rec("stdout", "a\r"), rec("stdout", "\nb\rc"))
    rest, _ = assemble(rec("stderr", "e"), end(), state=assembler.to_state())
    assert texts(first + rest) == texts(whole) == ["a", "c", "e"]
    assert [line.n for line in rest] == [2, 3]


def test_nothing_after_the_end_becomes_a_line() -> None:
    lines, _ = assemble(rec("stdout", "a\n"), end(), rec("stdout", "late\n"))
    assert texts(lines) == ["a"]


def test_bars_redrawn_with_cursor_up_keep_their_latest_frames_in_place() -> None:
    # tqdm with position=0 and position=1: each bar moves down to its row, redraws it with \r,
    # and moves back up with ESC[A.
    frames = [rec("stderr", "\rbar0 0%"), rec("stderr", "\n"), rec("stderr", "\rbar1 0%\x1b[A")]
    for percent in (50, 100):
        frames += [rec("stderr", f"\rbar0 {percent}%\n"), rec("stderr", f"\rbar1 {percent}%")]
        frames += [rec("stderr", "\x1b[1A")] if percent < 100 else [rec("stderr", "\n")]
    lines, assembler = assemble(*frames, rec("stdout", "done\n"), end())
    assert [(line.n, line.text) for line in lines] == [
        (1, "bar0 0%"),  # completed before the first ESC[A took it back: hidden
        (2, "bar0 100%"),
        (3, "bar1 100%"),
        (4, "done"),
    ]
    assert assembler.hidden == [[1, 1]]


def test_while_bars_redraw_each_shows_as_a_partial_row_with_its_latest_frame() -> None:
    _, assembler = assemble(
        rec("stderr", "\rbar0 1\n\rbar1 1\x1b[A\rbar0 2\n\rbar1 2\x1b[A"),
        state=None,
    )
    assert [p["text"] for p in assembler.current()] == ["bar0 2", "bar1 2"]
    again = Assembler(assembler.to_state(), lambda line: None)
    again.feed(rec("stderr", "\rbar0 3"))
    assert [p["text"] for p in again.current()] == ["bar0 3", "bar1 2"]


def test_a_cursor_up_with_nothing_above_moves_nothing() -> None:
    lines, assembler = assemble(rec("stdout", "abc\x1b[Adef\n"))
    assert texts(lines) == ["abcdef"]  # as a terminal shows it; the stored log keeps the escape
    assert assembler.hidden == []


BLOCKY = [
    rec("stdout", "start\n" + "".join(f"plain {n}\n" for n in range(300)) + "tail"),
    rec("stdout", " end\ncr\r\nlf\n\x1b[31mred\x1b[0m\n::group::G\n--- Step\n::endgroup::\nçà\n"),
    rec("stderr", "a\rb\nframes\r\n" + "x" * (MAX_LINE_CHARS + 5) + "\nlast\n"),
    rec("stdout", "\n\n\n"),
    end(),
]


def test_lines_completed_as_a_block_are_the_lines_completed_one_by_one() -> None:
    one_by_one, plain = assemble(*BLOCKY)
    blocks: list[Line] = []
    blocked = Assembler(None, blocks.append, lambda block: blocks.extend(block.lines()))
    for r in BLOCKY:
        blocked.feed(r)
    assert blocks == one_by_one
    assert blocked.to_state() == plain.to_state()  # the same sections, partials and count
    sections = [(s.title, s.start, s.end) for s in blocked.sections.changed.values()]
    assert sections == [(s.title, s.start, s.end) for s in plain.sections.changed.values()]
    assert [title for title, _start, _end in sections] == ["G", "Step"]
