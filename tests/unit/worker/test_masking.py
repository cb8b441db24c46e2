"""How a stream's secrets become ``***`` before any byte of them is let through."""

from __future__ import annotations

import random
from itertools import pairwise

import pytest

from joblook.worker.chunker import Chunker
from joblook.worker.masking import MASK, Masker


def masked(values: list[bytes], reads: list[bytes]) -> bytes:
    """The whole output let through when the stream is read in ``reads``."""
    masker = Masker(values)
    return b"".join(masker.feed(read) for read in reads) + masker.finish()


def cut(data: bytes, *at: int) -> list[bytes]:
    """``data`` read in pieces that end at offsets ``at``."""
    bounds = [0, *at, len(data)]
    return [data[a:b] for a, b in pairwise(bounds)]


def test_a_whole_secret_in_one_read_is_masked() -> None:
    assert masked([b"hunter22"], [b"password=hunter22\n"]) == b"password=***\n"


def test_every_occurrence_is_masked() -> None:
    out = masked([b"s3cret"], [b"s3cret s3cret\ns3crets3cret\n"])
    assert out == b"*** ***\n***\n"


@pytest.mark.parametrize("at", range(1, len(b"x=abcdef;")))
def test_a_secret_split_at_any_byte_across_two_reads_is_masked(at: int) -> None:
    assert masked([b"abcdef"], cut(b"x=abcdef;", at)) == b"x=***;"


def test_a_secret_read_one_byte_at_a_time_is_masked() -> None:
    data = b"start abcdef end"
    assert masked([b"abcdef"], [bytes([b]) for b in data]) == b"start *** end"


def test_a_secret_split_into_three_reads_is_masked() -> None:
    assert masked([b"abcdefgh"], cut(b">abcdefgh<", 3, 6)) == b">***<"


def test_bytes_that_cannot_start_a_secret_are_let_through_at_once() -> None:
    masker = Masker([b"abcdef"])
    assert masker.feed(b"progress 10%\r") == b"progress 10%\r"
    assert not masker.holding


def test_a_possible_start_waits_until_the_next_read_tells() -> None:
    masker = Masker([b"abcdef"])
    assert masker.feed(b"log: abc") == b"log: "
    assert masker.holding
    assert masker.feed(b"xyz\n") == b"abcxyz\n"  # not the secret after all: let through whole


def test_a_possible_start_is_let_through_when_the_stream_ends() -> None:
    masker = Masker([b"abcdef"])
    assert masker.feed(b"ends with abc") == b"ends with "
    assert masker.finish() == b"abc"


def test_a_held_start_is_not_let_through_on_a_pause_alone() -> None:
    # Nothing else lets held bytes through: a command that pauses mid-secret leaks no half.
    masker = Masker([b"abcdef"])
    masker.feed(b"abc")
    assert masker.feed(b"") == b""
    assert masker.feed(b"def") == MASK


def test_overlapping_secrets_are_masked_as_one_run() -> None:
    assert masked([b"abcd", b"cdef"], [b"[abcdef]"]) == b"[***]"


@pytest.mark.parametrize("at", range(1, len(b"[abcdef]")))
def test_overlapping_secrets_split_anywhere_leave_no_byte_of_either(at: int) -> None:
    out = masked([b"abcd", b"cdef"], cut(b"[abcdef]", at))
    assert out.startswith(b"[") and out.endswith(b"]")
    assert set(out[1:-1].split(MASK)) <= {b""}


def test_a_secret_that_is_the_start_of_another_masks_both() -> None:
    values = [b"token", b"token-admin"]
    assert masked(values, [b"a token and a token-admin\n"]) == b"a *** and a ***\n"


@pytest.mark.parametrize("at", range(1, len(b"=token-admin=")))
def test_the_longer_of_two_nested_secrets_split_anywhere_is_masked_whole(at: int) -> None:
    assert masked([b"token", b"token-admin"], cut(b"=token-admin=", at)) == b"=***="


def test_the_shorter_of_two_nested_secrets_before_the_end_is_masked() -> None:
    assert masked([b"token", b"token-admin"], [b"token-", b"x"]) == b"***-x"


@pytest.mark.parametrize("at", range(1, len("pässwörd€".encode())))
def test_a_multi_byte_secret_split_inside_a_character_is_masked(at: int) -> None:
    secret = "pässwörd€".encode()
    assert masked([secret], cut(b"<" + secret + b">", at + 1)) == b"<***>"


def test_masked_output_still_decodes_when_a_character_is_split_around_a_held_start() -> None:
    # "é" is two bytes; its first one is let through alone, the chunker keeps it until the second.
    masker, chunker = Masker(["ésecret".encode()]), Chunker()
    text = "café".encode() + b"\n"
    chunks = chunker.feed(masker.feed(text[:4])) + chunker.feed(masker.feed(text[4:]))
    assert "".join(chunks + chunker.feed(masker.finish()) + chunker.finish()) == "café\n"


def test_without_secrets_output_passes_untouched() -> None:
    masker = Masker([])
    assert masker.feed(b"anything \xff at all") == b"anything \xff at all"
    assert not masker.holding


def test_random_reads_of_random_output_never_let_a_secret_through() -> None:
    values = [b"ab", b"bab", b"abba"]
    rng = random.Random(19)
    for _ in range(300):
        data = bytes(rng.choice(b"abx") for _ in range(rng.randrange(1, 40)))
        offsets = sorted(rng.sample(range(1, len(data) + 1), k=min(len(data), 4)))
        out = masked(values, cut(data, *offsets[:-1]))
        assert not any(value in out.replace(MASK, b"|") for value in values), (data, out)
        assert out.replace(MASK, b"") == masked(values, [data]).replace(MASK, b"")
