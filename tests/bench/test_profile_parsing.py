"""bench.profile turns py-spy's collapsed stacks into per-function shares of busy time."""

from __future__ import annotations

from bench.profile import parse_collapsed, render

RAW = """\
main (joblook/cli.py:10);serve (joblook/web/server.py:40);sync (joblook/web/ingest.py:55) 30
main (joblook/cli.py:10);serve (joblook/web/server.py:41);loads (json/decoder.py:337) 50
main (joblook/cli.py:12);sync (joblook/web/ingest.py:60);append (joblook/store/logstore.py:90) 20
not a stack line
"""


def test_self_samples_count_the_leaf_and_lines_of_one_function_add_up() -> None:
    profile = parse_collapsed("web", RAW)
    assert profile.samples == 100
    assert profile.own["loads (json/decoder.py)"] == 50
    assert profile.own["sync (joblook/web/ingest.py)"] == 30
    assert profile.own["append (joblook/store/logstore.py)"] == 20


def test_inclusive_counts_only_joblook_frames_and_each_stack_once() -> None:
    profile = parse_collapsed("web", RAW)
    assert profile.inclusive["main (joblook/cli.py)"] == 100
    assert profile.inclusive["serve (joblook/web/server.py)"] == 80
    assert profile.inclusive["sync (joblook/web/ingest.py)"] == 50
    assert "loads (json/decoder.py)" not in profile.inclusive


def test_render_lists_shares_in_percent_and_says_when_nothing_was_sampled() -> None:
    shown = render(parse_collapsed("web", RAW), top=1)
    assert "100 busy samples" in shown
    assert " 50.0%  loads (json/decoder.py)" in shown
    assert render(parse_collapsed("shipper", ""), top=5) == "shipper: no busy samples"
