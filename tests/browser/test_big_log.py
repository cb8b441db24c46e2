"""A 100,000-line log opens and shows every line to its end; a longer one shows its end and
links the rest. How soon, and how long the tab is busy meanwhile, are measured rather than
asserted: ``make bench BENCH_ARGS="--only page"``."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.terminal import buffer_lines, open_task, row_is_rendered
from tests.support.stack import Stack

pytestmark = pytest.mark.browser

LINES = 100_000
SHOWN_WITHIN_MS = 120_000  # a hang guard for a busy machine, not the speed claim it used to be


def test_a_100000_line_log_shows_every_line_to_its_last(stack: Stack, page: Page) -> None:
    task_id = stack.enqueue(f"seq 1 {LINES}")
    stack.wait_finished(task_id, timeout=120)
    open_task(page, stack, task_id)
    row_is_rendered(page, str(LINES), timeout=SHOWN_WITHIN_MS)
    lines = buffer_lines(page)
    assert len(lines) == LINES
    assert lines[0] == "1" and lines[-1] == str(LINES)


def test_a_log_longer_than_the_scrollback_shows_its_end_and_links_the_rest(
    stack: Stack, page: Page
) -> None:
    lines = 200_010
    task_id = stack.enqueue(f"seq 1 {lines}")
    stack.wait_finished(task_id, timeout=120)
    open_task(page, stack, task_id)
    row_is_rendered(page, str(lines), timeout=60_000)
    scrollback = page.evaluate("joblook.term.options.scrollback")
    records = lines + 2  # a status record before the output and one after it
    skipped = records - scrollback  # seq 1 (the start) and lines 1 .. skipped - 1
    note = page.locator("#window-note")
    expect(note).to_contain_text(f"the first {skipped:,} are not shown")
    expect(note.locator("a")).to_have_attribute("href", f"/permlog?task_id={task_id}&format=text")
    shown = buffer_lines(page)
    assert shown == [str(i) for i in range(skipped, lines + 1)]
