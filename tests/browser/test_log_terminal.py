"""The task page draws a log as a terminal would: colours carried from line to line, also in a
window that starts in the middle of the log, and bars redrawn in place with cursor-ups (#17)."""

from __future__ import annotations

import re
import shlex
import sys

import pytest
from playwright.sync_api import Page, expect

from tests.browser.logview import (
    buffer_lines,
    open_task,
    row_is_rendered,
    visible_lines,
    wait_until_all_shown,
)
from tests.support.stack import Stack

pytestmark = pytest.mark.browser

RED = "rgb(187, 0, 0)"  # ansi_up's palette
GREEN = "rgb(0, 187, 0)"

# The colour of each character of a row's text, by the row's line number.
_COLOURS = """n => {
  const row = [...document.querySelectorAll("#log .row")].find((r) => r.dataset.n === String(n));
  const text = row.querySelector(".text");
  const walker = document.createTreeWalker(text, NodeFilter.SHOW_TEXT);
  const colours = new Set();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.data.trim()) colours.add(getComputedStyle(node.parentElement).color);
  }
  return [...colours];
}"""


def colours_of_line(page: Page, n: int) -> list[str]:
    colours: list[str] = page.evaluate(_COLOURS, n)
    return colours


def test_a_colour_opened_on_one_line_and_closed_on_a_later_one_colours_both(
    stack: Stack, page: Page
) -> None:
    task_id = stack.enqueue(r"printf '\033[31mred\nstill red\033[0m\nplain\n'")
    stack.wait_finished(task_id)
    open_task(page, stack, task_id)
    wait_until_all_shown(page, stack, task_id)
    row_is_rendered(page, "plain")
    assert colours_of_line(page, 1) == [RED]
    assert colours_of_line(page, 2) == [RED]
    assert RED not in colours_of_line(page, 3)


def test_a_window_far_below_where_a_colour_opened_still_shows_it(stack: Stack, page: Page) -> None:
    # The page opens at the end: the window it reads starts thousands of lines after the escape.
    task_id = stack.enqueue(r"printf '\033[32m'; seq 1 5000; printf '\033[0mdone\n'")
    stack.wait_finished(task_id, timeout=60)
    open_task(page, stack, task_id)
    row_is_rendered(page, "done", timeout=20_000)
    assert colours_of_line(page, 4999) == [GREEN]
    assert GREEN not in colours_of_line(page, 5001)
    page.locator("#log").press("Home")
    row_is_rendered(page, "1")
    assert colours_of_line(page, 2) == [GREEN]


# Two real tqdm bars on their own rows (position=): each redraws its row by moving the cursor
# down with \n and back up with ESC[A. They hold at 60% while the page looks, then finish.
BARS = "\n".join([
    "import time",
    "from tqdm import tqdm",
    "outer = tqdm(total=10, position=0, desc='outer', mininterval=0)",
    "inner = tqdm(total=10, position=1, desc='inner', mininterval=0)",
    "for i in range(10):",
    "    outer.update(); inner.update(); time.sleep(0.05)",
    "    if i == 5: time.sleep(4)",
    "inner.close(); outer.close()",
    "print('done', flush=True)",
])  # fmt: skip


def test_bars_redrawn_with_cursor_up_show_their_latest_frames_in_place(
    stack: Stack, page: Page
) -> None:
    task_id = stack.enqueue(f"{shlex.quote(sys.executable)} -c {shlex.quote(BARS)}")
    open_task(page, stack, task_id)
    # While they run: one row per bar, each with its latest frame, not a frame per redraw.
    expect(page.locator("#log .row.partial .text")).to_have_text(
        [re.compile(r"^outer:  60%"), re.compile(r"^inner:  60%")], timeout=15_000
    )
    bars = [line for line in visible_lines(page) if re.match(r"(outer|inner):", line)]
    assert [line[:10] for line in bars] == ["outer:  60", "inner:  60"]
    stack.wait_finished(task_id)
    wait_until_all_shown(page, stack, task_id)
    shown = [line.rstrip() for line in buffer_lines(page) if line.strip()]
    assert [line[:11] for line in shown] == ["inner: 100%", "outer: 100%", "done"]
    # The stored log keeps every frame as printed.
    printed = "".join(record["log"] for record in stack.permlog(task_id)["records"])
    assert "outer:   0%" in printed and "\x1b[A" in printed
