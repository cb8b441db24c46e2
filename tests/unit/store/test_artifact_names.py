"""Artifact names: only relative paths that stay inside the task's artifacts get through."""

from __future__ import annotations

import pytest

from joblook.store.artifacts.names import BadArtifactName, checked_name


@pytest.mark.parametrize(
    "name", ["loss.png", "plots/loss.svg", "a b/ü.csv", "checkpoint.pt", ".hidden", "x..y"]
)
def test_a_relative_name_inside_the_directory_is_accepted_as_is(name: str) -> None:
    assert checked_name(name) == name


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("../other-task/files/secret", "'..'"),
        ("plots/../../x", "'..'"),
        ("..", "'..'"),
        ("/etc/passwd", "absolute"),
        ("loss\0.png", "NUL"),
        ("a\\..\\b", "backslash"),
        ("a//b", "empty part"),
        ("a/./b", "'.'"),
        ("", "empty"),
        ("line\nbreak", "control"),
        ("x" * 1025, "1024 bytes"),
    ],
)
def test_a_name_that_could_leave_the_directory_is_refused_with_the_reason(
    name: str, why: str
) -> None:
    with pytest.raises(BadArtifactName, match=why):
        checked_name(name)
