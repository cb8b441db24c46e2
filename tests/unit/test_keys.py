"""The Redis names are a wire contract between processes of different versions: pinned here."""

from __future__ import annotations

from joblook import keys

TASK = "1d128c57-0066-4e0f-b16f-109d8b8fbb0e"


def test_store_wide_names_are_the_ones_on_the_wire() -> None:
    names = (keys.TASKS, keys.RUNNING, keys.APPENDED, keys.ENDED, keys.CANCEL)
    assert names == ("joblook:tasks", "joblook:running", "joblook:appended", "joblook:ended",
                     "joblook:cancel")  # fmt: skip
    assert (keys.ENDED_CLAIMS, keys.ENDED_RETRIES, keys.ENDED_FAILURES) == (
        "joblook:ended:claims",
        "joblook:ended:retries",
        "joblook:ended:failures",
    )


def test_per_task_names_are_the_ones_on_the_wire() -> None:
    built = {
        keys.log: "log",
        keys.pending: "pending",
        keys.task: "task",
        keys.findings: "findings",
        keys.series: "series",
        keys.series_state: "seriesstate",
        keys.cancel: "cancel",
        keys.claim: "claim",
        keys.alive: "alive",
    }
    for build, kind in built.items():
        assert build(TASK) == f"joblook:{kind}:{TASK}"
    assert keys.points_prefix(TASK) + "3" == f"joblook:points:{TASK}:3"
    assert keys.reported(TASK) == f"joblook:ended:reported:{TASK}"


def test_the_lines_index_names_are_the_ones_on_the_wire() -> None:
    built = {
        keys.lines_meta: "meta",
        keys.lines_text: "text",
        keys.lines_plain: "plain",
        keys.lines_marks: "marks",
        keys.lines_sections: "sections",
    }
    for build, part in built.items():
        assert build(TASK) == f"joblook:lines:{TASK}:{part}"
