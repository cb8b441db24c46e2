"""What `joblook submit --batch` and `joblook run --sweep` make of what a user typed."""

from __future__ import annotations

import pytest

from joblook.client import batchfile
from joblook.client.batchfile import BatchFileError


def test_each_line_is_a_command_or_a_json_item_and_comments_are_skipped() -> None:
    lines = ["# sweep by hand\n", "python train.py --lr 0.1 | tee log\n", "\n",
             '{"job": "train", "params": {"lr": 0.01}}\n']  # fmt: skip
    assert list(batchfile.items(lines)) == [
        {"cmd": "python train.py --lr 0.1 | tee log"},
        {"job": "train", "params": {"lr": 0.01}},
    ]


@pytest.mark.parametrize(("line", "words"), [("{nope", "line 2: not valid JSON")])
def test_a_broken_json_line_names_its_line(line: str, words: str) -> None:
    with pytest.raises(BatchFileError, match=words):
        list(batchfile.items(["true", line]))


def test_a_long_file_goes_in_requests_of_at_most_the_api_s_bound() -> None:
    sizes = [len(c) for c in batchfile.chunks({"cmd": "true"} for _ in range(25_001))]
    assert sizes == [10_000, 10_000, 5_001]


@pytest.mark.parametrize(
    ("text", "parsed"),
    [("3", 3), ("-2", -2), ("0.01", 0.01), ("1e-3", 0.001), ("small", "small"), ("1.2.3", "1.2.3"),
     ("", "")],
)  # fmt: skip
def test_a_value_that_reads_as_a_number_is_sent_as_one(text: str, parsed: object) -> None:
    assert batchfile.value(text) == parsed
    assert type(batchfile.value(text)) is type(parsed)


def test_sweep_words_are_comma_separated_values_per_name() -> None:
    words = ["lr=0.1,0.01", "model=small,large"]
    assert batchfile.assignments(words, many=True) == {
        "lr": [0.1, 0.01],
        "model": ["small", "large"],
    }


@pytest.mark.parametrize("words", [["lr"], ["=1"], ["lr=1", "lr=2"]])
def test_a_malformed_or_repeated_assignment_is_refused(words: list[str]) -> None:
    with pytest.raises(BatchFileError):
        batchfile.assignments(words, many=False)
