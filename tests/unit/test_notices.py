"""Notices: what a task's end says, which targets are tried again, and URLs never shown."""

from __future__ import annotations

import pytest

from joblook import notices
from joblook.notices import Notice
from joblook.store.taskinfo import TaskInfo


def test_a_notice_carries_state_duration_who_the_link_and_the_last_20_lines() -> None:
    output = "".join(f"line {n}\n" for n in range(1, 31))
    notice = notices.compose(
        "t1", "python train.py", "FAILURE", 3, 12.34,
        submitted_by="ada", public_url="https://jl.example", output=output,
    )  # fmt: skip
    assert "FAILURE" in notice.title
    body = notice.body.splitlines()
    assert body[0] == "Task t1 ended FAILURE (exit code 3)"
    assert "Duration: 12.3 s" in body and "Started by: ada" in body
    assert "Link: https://jl.example/task?task_id=t1" in body
    assert body[-20:] == [f"line {n}" for n in range(11, 31)]
    assert "line 10" not in body


def test_who_started_it_is_left_out_when_unknown() -> None:
    notice = notices.compose(
        "t1", ["train", "--lr", "0.1"], "SUCCESS", 0, 1.0,
        submitted_by=None, public_url="http://x", output="",
    )  # fmt: skip
    assert "Started by" not in notice.body
    assert "Command: train --lr 0.1" in notice.body


def test_a_progress_bar_line_shows_its_last_frame() -> None:
    assert notices.last_lines("10%\r50%\r100%\ndone\n") == ["100%", "done"]


def test_only_the_targets_that_failed_are_returned_for_another_try() -> None:
    sent: list[str] = []

    def sender(url: str, _notice: Notice) -> bool:
        sent.append(url)
        if url == "boom://":
            raise RuntimeError("plugin bug")
        return url != "json://down"

    urls = ["json://up", "json://down", "boom://", "json://also-up"]
    assert notices.deliver(urls, [0, 1, 2, 3], Notice("t", "b"), sender) == [1, 2]
    assert notices.deliver(urls, [1], Notice("t", "b"), sender) == [1]
    assert sent.count("json://up") == 1


def test_retries_are_bounded() -> None:
    delays = [notices.RETRY.delay(n) for n in range(1, 10)]
    assert None in delays
    assert all(d is not None and d > 0 for d in delays[: delays.index(None)])


@pytest.mark.parametrize(
    ("url", "shown"),
    [("slack://T000/B000/XXXX", "slack://***"), ("mailto://u:pw@x.org", "mailto://***"),
     ("no-scheme-secret", "***")],
)  # fmt: skip
def test_a_notify_url_is_shown_as_its_scheme_only(url: str, shown: str) -> None:
    assert notices.mask(url) == shown


def test_a_task_shows_its_definitions_notify_urls_masked() -> None:
    definition = {"cmd": "true", "notify": ["json://user:hunter2@127.0.0.1:9/"]}
    info = TaskInfo("t1", "true", "SUCCESS", 0, None, definition=definition)
    shown = info.to_json()
    assert shown["definition"] == {"cmd": "true", "notify": ["json://***"]}
    assert "hunter2" not in repr(shown)
    assert info.definition == definition, "a re-run still sends the real URLs"


def test_apprise_knows_a_json_target_and_not_nonsense() -> None:
    assert notices.is_apprise_url("json://127.0.0.1:9/")
    assert not notices.is_apprise_url("nosuchservice://x")


@pytest.mark.parametrize(
    ("state", "kind"),
    [("SUCCESS", "success"), ("FAILURE", "failure"), ("REVOKED", "warning")],
)
def test_a_notice_has_the_apprise_type_of_its_end(state: str, kind: str) -> None:
    notice = notices.compose(
        "t1", "true", state, None, None, submitted_by=None, public_url="http://x", output=""
    )
    assert notice.kind == kind
