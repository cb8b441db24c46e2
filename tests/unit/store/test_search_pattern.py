"""Search patterns: plain text or RE2, per line, and no query can make a search slow."""

from __future__ import annotations

import time

import pytest
import re2

from joblook.store.lines.pattern import (
    QUERY_MAX,
    Pattern,
    PatternError,
    count_lines,
    matching_lines,
)

TEXT = b"alpha\nBeta gamma\n\nalpha beta\nfinal\n"


def lines_matching(query: str, regex: bool = False, case: bool = False) -> list[bytes]:
    pattern = Pattern.compile(query, regex, case)
    found = [TEXT[start : TEXT.index(b"\n", start)] for start in matching_lines(pattern, TEXT)]
    counted, exact = count_lines(pattern, TEXT, time.monotonic() + 5)
    assert (counted, exact) == (len(found), True)
    return found


def test_plain_text_ignores_case_unless_asked() -> None:
    assert lines_matching("beta") == [b"Beta gamma", b"alpha beta"]
    assert lines_matching("beta", case=True) == [b"alpha beta"]
    assert lines_matching("a.p") == []  # plain text: the dot is a dot


def test_a_line_with_several_matches_counts_once() -> None:
    assert lines_matching("a") == [b"alpha", b"Beta gamma", b"alpha beta", b"final"]


def test_regular_expressions_match_within_one_line_only() -> None:
    assert lines_matching(r"^\w+$", regex=True) == [b"alpha", b"final"]
    assert lines_matching(r"alpha\sbeta", regex=True) == [b"alpha beta"]
    assert lines_matching(r"alpha\s+Beta", regex=True, case=True) == []  # not across the \n
    assert lines_matching(r"[^x]+", regex=True) == [b"alpha", b"Beta gamma", b"alpha beta",
                                                    b"final"]  # fmt: skip


def test_a_pattern_matching_the_empty_string_matches_every_line_once() -> None:
    assert len(lines_matching("x*", regex=True)) == 5


def test_case_folds_beyond_ascii() -> None:
    pattern = Pattern.compile("Ünïcode", regex=False, case=False)
    data = "ünÏcode here\n".encode()
    assert list(matching_lines(pattern, data)) == [0]
    assert pattern.spans("say ünÏcode") == [[4, 11]]


def test_ranges_are_in_characters_of_the_plain_line() -> None:
    assert Pattern.compile("b", case=True).spans("äb äb") == [[1, 2], [4, 5]]
    assert Pattern.compile(r"\d+", regex=True).spans("x 12 y 345") == [[2, 4], [7, 10]]


@pytest.mark.parametrize(
    ("query", "regex", "reason"),
    [
        ("", False, "empty"),
        ("x" * (QUERY_MAX + 1), False, "at most"),
        ("a\nb", False, "one line"),
        ("(unclosed", True, "RE2"),
        (r"(a)\1", True, "RE2"),  # backreferences need backtracking
        ("(?=a)", True, "RE2"),  # so do lookarounds
        ("a{1001}", True, "RE2"),
        ("((a{100}){100}){100}", True, "RE2"),  # a program too large
    ],
)
def test_queries_that_cannot_be_searched_are_refused_with_a_reason(
    query: str, regex: bool, reason: str
) -> None:
    with pytest.raises(PatternError, match=reason):
        Pattern.compile(query, regex)


def test_a_catastrophic_backtracking_pattern_runs_in_linear_time() -> None:
    pattern = Pattern.compile(r"^(a+)+$", regex=True)
    data = (b"a" * 60_000 + b"!\n") * 10
    started = time.monotonic()
    assert list(matching_lines(pattern, data)) == []
    assert time.monotonic() - started < 1.0  # Python's re would not finish this year


def test_a_count_stops_at_its_deadline_and_says_so() -> None:
    pattern = Pattern.compile(r"\d", regex=True)
    data = b"1\n" * 200_000
    counted, exact = count_lines(pattern, data, time.monotonic())
    assert not exact
    assert 0 < counted < 200_000


def test_the_fast_regex_call_agrees_with_the_public_api() -> None:
    options = re2.Options()
    options.never_nl = True
    public = re2.compile(rb"b\w+", options)
    pattern = Pattern.compile(r"b\w+", regex=True, case=True)
    for pos in range(len(TEXT)):
        found = public.search(TEXT, pos)
        assert pattern.find(TEXT, pos, len(TEXT)) == (found.start() if found else -1)


@pytest.mark.parametrize(
    ("query", "regex", "case"),
    [
        (r"item\s2\d{2}7\s", True, False),
        (r"^[^a-z]+$", True, True),
        (r"(?i)K.L", True, True),
        (r"\w+ \pL", True, False),
        ("Error", False, False),
    ],
)
def test_the_scanner_for_ascii_text_finds_the_lines_the_unicode_one_does(
    query: str, regex: bool, case: bool
) -> None:
    data = "".join(
        f"{n} {'ERROR' if n % 7 == 0 else 'processing'} item {n} k-l K_L ok\n" if n % 5 else "123\n"
        for n in range(1, 3000)
    ).encode()
    pattern = Pattern.compile(query, regex, case)
    found = list(matching_lines(pattern, data, ascii=True))
    assert found == list(matching_lines(pattern, data, ascii=False))
    assert found  # each query matches some lines, so the comparison says something
    deadline = time.monotonic() + 5
    assert count_lines(pattern, data, deadline, ascii=True) == (len(found), True)


def test_plain_text_without_letters_is_found_whatever_case_is_asked() -> None:
    data = b"id 424242 ok\nid 424243 ok\n"
    for case in (False, True):
        assert list(matching_lines(Pattern.compile("424242", case=case), data)) == [0]
    assert Pattern.compile("42-42", case=False).spans("x 42-42") == [[2, 7]]
