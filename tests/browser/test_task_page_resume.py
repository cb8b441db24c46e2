"""A web server restart mid-task: the page reconnects and ends with every line exactly once."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.logview import buffer_lines, open_task, wait_until_all_shown, wait_until_shown
from tests.support.stack import Stack

pytestmark = pytest.mark.browser

LINES = 120


def test_a_web_server_restart_mid_task_shows_every_line_exactly_once(
    fresh_stack: Stack, page: Page, console_errors: list[str]
) -> None:
    task_id = fresh_stack.enqueue(f'for i in $(seq 1 {LINES}); do echo "line $i"; sleep 0.05; done')
    open_task(page, fresh_stack, task_id)
    wait_until_shown(page, 20)
    # The first lines come from /lines before the socket opens: kill a server the page is on.
    expect(page.locator("#connection")).to_have_text("connected")
    fresh_stack.web.kill()  # kill -9: no goodbye to the browser
    expect(page.locator("#connection")).to_have_text("reconnecting")
    page.wait_for_timeout(1000)  # the task keeps printing while nobody serves the page
    fresh_stack.web.start()
    fresh_stack.wait_ready()
    fresh_stack.wait_finished(task_id)
    wait_until_all_shown(page, fresh_stack, task_id, timeout=20_000)
    assert buffer_lines(page) == [f"line {i}" for i in range(1, LINES + 1)]
    expect(page.locator("#connection")).to_have_text("connected")
    expect(page.locator("#state")).to_have_text("SUCCESS")
    # Chromium reports the refused reconnection attempts itself, and a read the kill cut off (of
    # the task, after a "task" event came just before it, or of a window of lines: refused, or
    # reset mid-reply); they are the point of this test.
    expected = (
        "WebSocket connection to",
        "net::ERR_CONNECTION_REFUSED",
        "net::ERR_CONNECTION_RESET",
    )
    console_errors[:] = [e for e in console_errors if not any(x in e for x in expected)]
