"""The task page acknowledges the log events the web asks it to, so a live log keeps flowing
(services/joblook/web/acks.py: a viewer that does not answer is sent nothing more)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.browser.logview import buffer_lines, open_task, wait_until_shown
from tests.support.stack import Stack, paced_count, running_stack

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def small_window_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack whose viewers must acknowledge every 2 KiB (events of at most 4 KiB)."""
    root: Path = tmp_path_factory.mktemp("small-window")
    with running_stack(root, extra_env={"JOBLOOK_FEED_EVENT_BYTES": "4096"}) as running:
        yield running


def test_a_live_log_many_windows_long_reaches_the_page_whole(
    small_window_stack: Stack, page: Page
) -> None:
    command, printed = paced_count(6000)  # about 600 KB of records as they are printed
    task_id = small_window_stack.enqueue(command)
    open_task(page, small_window_stack, task_id)
    final = small_window_stack.wait_finished(task_id)
    wait_until_shown(page, final["last_seq"], timeout=60_000)
    assert buffer_lines(page) == printed.splitlines()
