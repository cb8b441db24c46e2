"""How a stream's bytes become the record's ``log`` chunks."""

from __future__ import annotations

from joblook.worker.chunker import MAX_CHUNK_CHARS, Chunker


def test_newline_ends_a_chunk_and_keeps_its_terminator() -> None:
    assert Chunker().feed(b"one\ntwo\n") == ["one\n", "two\n"]


def test_carriage_return_ends_a_chunk_so_progress_bars_stream() -> None:
    assert Chunker().feed(b"10%\r20%\r30%\r") == ["10%\r", "20%\r", "30%\r"]


def test_crlf_in_hand_stays_one_terminator() -> None:
    assert Chunker().feed(b"dos\r\nline\r\n") == ["dos\r\n", "line\r\n"]


def test_crlf_split_across_reads_loses_nothing() -> None:
    chunker = Chunker()
    chunks = chunker.feed(b"frame\r") + chunker.feed(b"\nnext\n")
    assert chunks[0] == "frame\r"  # not held back waiting for a "\n" that may never come
    assert "".join(chunks) == "frame\r\nnext\n"


def test_empty_lines_are_chunks_of_their_own() -> None:
    assert Chunker().feed(b"\n\n\r\n") == ["\n", "\n", "\r\n"]


def test_partial_line_waits_for_its_terminator() -> None:
    chunker = Chunker()
    assert chunker.feed(b"no terminator") == []
    assert chunker.has_pending
    assert chunker.feed(b" yet\nnext") == ["no terminator yet\n"]
    assert chunker.has_pending


def test_flush_on_pause_gives_the_partial_line_without_terminator() -> None:
    chunker = Chunker()
    chunker.feed(b"Password: ")
    assert chunker.flush() == ["Password: "]
    assert not chunker.has_pending
    assert chunker.flush() == []
    assert chunker.feed(b"ok\n") == ["ok\n"]


def test_finish_gives_the_unterminated_tail() -> None:
    chunker = Chunker()
    chunker.feed(b"last words")
    assert chunker.finish() == ["last words"]
    assert Chunker().finish() == []


def test_megabyte_line_arrives_whole_in_bounded_chunks() -> None:
    line = ("0123456789abcdef" * 65536 + "\n").encode()  # 1 MiB and a newline
    chunker = Chunker()
    chunks: list[str] = []
    for start in range(0, len(line), 65536):  # as os.read would deliver it
        chunks += chunker.feed(line[start : start + 65536])
    chunks += chunker.finish()
    assert "".join(chunks) == line.decode()
    assert len(chunks) > 16
    assert max(map(len, chunks)) <= MAX_CHUNK_CHARS


def test_megabyte_line_in_a_single_feed_is_split_too() -> None:
    text = "x" * (1 << 20) + "\r\n" + "y" * (3 * MAX_CHUNK_CHARS)
    chunker = Chunker()
    chunks = chunker.feed(text.encode()) + chunker.finish()
    assert "".join(chunks) == text
    assert max(map(len, chunks)) <= MAX_CHUNK_CHARS


def test_invalid_utf8_becomes_replacement_character() -> None:
    chunker = Chunker()
    assert chunker.feed(b"bad \xff\xfe byte\n") == ["bad \ufffd\ufffd byte\n"]


def test_multibyte_character_split_across_feeds_stays_intact() -> None:
    data = "héllo → 世界 🎉\n".encode()
    chunker = Chunker()
    chunks = [c for i in range(len(data)) for c in chunker.feed(data[i : i + 1])]
    assert chunks == ["héllo → 世界 🎉\n"]


def test_pause_inside_a_multibyte_character_does_not_corrupt_it() -> None:
    chunker = Chunker()
    chunker.feed("ab€".encode()[:-1])
    assert chunker.flush() == ["ab"]
    assert chunker.feed("€\n".encode()[-2:]) == ["€\n"]


def test_truncated_character_at_end_of_stream_is_replaced_not_lost() -> None:
    chunker = Chunker()
    chunker.feed("end€".encode()[:-1])
    assert chunker.finish() == ["end\ufffd"]


def test_only_newline_and_carriage_return_terminate() -> None:
    text = "form\x0cfeed\x0bvtab\u2028sep\n"  # str.splitlines would cut these
    assert Chunker().feed(text.encode()) == [text]
