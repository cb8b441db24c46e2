"""Fold markers of GitHub, GitLab and Buildkite become sections with their lines and times."""

from __future__ import annotations

from typing import Any

from joblook.store.lines.assemble import Assembler, Line


def run(*outputs: str, ended: bool = True) -> list[dict[str, Any]]:
    """The sections of a task that printed ``outputs`` (one record each, second i)."""
    lines: list[Line] = []
    assembler = Assembler(None, lines.append)
    for second, log in enumerate(outputs):
        assembler.feed({"stream": "stdout", "log": log, "time": f"2026-11-22T02:13:{second:02d}Z"})
    if ended:
        assembler.feed({"stream": "status", "state": "SUCCESS", "exit_code": 0, "log": "",
                        "time": "2026-11-22T02:14:00Z"})  # fmt: skip
    return [s.to_json() for s in sorted(assembler.sections.changed.values(),
                                        key=lambda s: s.number)]  # fmt: skip


def brief(sections: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(s["kind"], s["title"], s["start"], s["end"], s["depth"]) for s in sections]


def test_github_groups_nest_and_close_innermost_first() -> None:
    sections = run("::group::Build\n", "::group::Compile\n", "cc\n", "::endgroup::\n",
                   "link\n", "::endgroup::\n")  # fmt: skip
    assert brief(sections) == [("github", "Build", 1, 6, 0), ("github", "Compile", 2, 4, 1)]
    assert sections[0]["started_at"] + 5 == sections[0]["ended_at"]
    assert sections[1]["collapsed"] is False


def test_gitlab_sections_take_their_header_after_the_carriage_return_and_match_by_name() -> None:
    sections = run(
        "\x1b[0Ksection_start:1560896352:outer[collapsed=true]\r\x1b[0KOuter header\n",
        "\x1b[0Ksection_start:1560896353:inner\r\x1b[0K\x1b[36mInner\x1b[0m\n",
        "work\n",
        "\x1b[0Ksection_end:1560896354:outer\r\x1b[0K\n",
    )
    assert brief(sections) == [("gitlab", "Outer header", 1, 4, 0), ("gitlab", "Inner", 2, 4, 1)]
    assert [s["collapsed"] for s in sections] == [True, False]


def test_a_gitlab_end_with_an_unknown_name_closes_nothing() -> None:
    sections = run("section_start:1:a\n", "section_end:1:b\n", ended=False)
    assert brief(sections) == [("gitlab", "a", 1, None, 0)]


def test_buildkite_headers_do_not_nest_each_closes_the_previous() -> None:
    sections = run("--- Setup\n", "pip install\n", "+++ Tests\n", "ok\n", "~~~ Quiet\n")
    assert brief(sections) == [
        ("buildkite", "Setup", 1, 2, 0),
        ("buildkite", "Tests", 3, 4, 0),
        ("buildkite", "Quiet", 5, 5, 0),
    ]
    assert [s["collapsed"] for s in sections] == [True, False, True]


def test_sections_still_open_when_the_task_ends_close_at_its_last_line() -> None:
    sections = run("::group::Never closed\n", "a\n", "b")
    assert brief(sections) == [("github", "Never closed", 1, 3, 0)]
    assert sections[0]["ended_at"] is not None


def test_open_sections_have_no_end_while_the_task_runs() -> None:
    assert run("::group::Running\n", "a\n", ended=False)[0]["end"] is None


def test_text_that_only_looks_like_a_marker_mid_line_is_a_plain_line() -> None:
    assert run("echo ::group::x\n", " --- not a header\n", "section_start\n") == []
