"""A 100,000-line log opens and shows its end within seconds, without freezing the tab; the page
holds only the windows it shows, so nothing of a long log is cut."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page

from tests.browser.logview import line_numbers_on_screen, open_task, row_is_rendered
from tests.support.stack import Stack

pytestmark = pytest.mark.browser

LINES = 100_000
CLAIMED_SECONDS = 10  # measured under 2 s on a busy shared machine; room for slow CI
LONGEST_TASK_MS = 500  # no single script task may block the tab longer than this

# Every main-thread task longer than 50 ms, as the browser reports it.
_RECORD_LONG_TASKS = """
window.longTasks = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) window.longTasks.push(entry.duration);
}).observe({ type: "longtask", buffered: true });
"""


def test_a_100000_line_log_shows_its_last_line_within_seconds(stack: Stack, page: Page) -> None:
    task_id = stack.enqueue(f"seq 1 {LINES}")
    stack.wait_finished(task_id, timeout=120)
    page.add_init_script(_RECORD_LONG_TASKS)
    started = time.monotonic()
    open_task(page, stack, task_id)
    row_is_rendered(page, str(LINES), timeout=60_000)
    elapsed = time.monotonic() - started
    longest = max(page.evaluate("window.longTasks"), default=0)
    print(f"\n{LINES:,} lines: last line on screen {elapsed:.2f} s after navigation; "
          f"longest task {longest:.0f} ms")  # fmt: skip
    assert elapsed < CLAIMED_SECONDS
    assert longest < LONGEST_TASK_MS
    page.locator("#log").press("Home")
    row_is_rendered(page, "1")
    assert line_numbers_on_screen(page)[0] == 1
    assert page.evaluate("joblook.viewer.source.total") == LINES
