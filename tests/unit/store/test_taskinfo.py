"""A chain's or group's state follows its steps."""

from __future__ import annotations

import pytest

from joblook.store.taskinfo import TaskInfo

PARENT = TaskInfo("p", "a → b", "PENDING", None, "t0", kind="chain", steps=["a", "b"])


def step(state: str, exit_code: int | None = None, started: str | None = None) -> TaskInfo:
    finished = "t9" if state in ("SUCCESS", "FAILURE", "REVOKED") else None
    return TaskInfo("s", "cmd", state, exit_code, "t0", started_at=started, finished_at=finished)


@pytest.mark.parametrize(
    ("states", "expected"),
    [
        ([("PENDING", None), ("PENDING", None)], ("PENDING", None)),
        ([("STARTED", None), ("PENDING", None)], ("STARTED", None)),
        ([("SUCCESS", 0), ("PENDING", None)], ("STARTED", None)),  # between two steps
        ([("SUCCESS", 0), ("SUCCESS", 0)], ("SUCCESS", 0)),
        ([("FAILURE", 3), ("REVOKED", None)], ("FAILURE", 3)),
        ([("SUCCESS", 0), ("REVOKED", 143)], ("REVOKED", None)),
    ],
)
def test_a_parents_state_and_exit_code_follow_its_steps(
    states: list[tuple[str, int | None]], expected: tuple[str, int | None]
) -> None:
    summary = PARENT.summarised([step(s, code) for s, code in states])
    assert (summary.state, summary.exit_code) == expected


def test_a_parent_started_when_its_first_step_did_and_ends_with_its_last() -> None:
    steps = [step("SUCCESS", 0, started="t1"), step("SUCCESS", 0, started="t5")]
    summary = PARENT.summarised(steps)
    assert (summary.started_at, summary.finished_at) == ("t1", "t9")


def test_to_json_names_steps_for_a_parent_and_the_parent_for_a_step() -> None:
    assert PARENT.to_json()["steps"] == ["a", "b"]
    assert "parent" not in PARENT.to_json()
    child = TaskInfo("a", "cmd", "PENDING", None, "t0", parent="p")
    assert child.to_json()["parent"] == "p"
    assert "steps" not in child.to_json()
