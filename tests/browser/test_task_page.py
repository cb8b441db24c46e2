"""The task page in real Chromium: ANSI rendering, live output, header, search, following."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.logview import (
    buffer_lines,
    line_numbers_on_screen,
    open_task,
    row_is_rendered,
    wait_until_all_shown,
    wait_until_shown,
)
from tests.support.gate import Gate
from tests.support.stack import Stack
from tests.support.waiting import wait_for

pytestmark = pytest.mark.browser

# Colours (16, 256, true colour), bold, underline, stderr, a \r progress bar, and a two-line
# display redrawn in place with cursor-up and erase-line.
SHOWCASE = r"""
printf '\033[31mred\033[0m \033[38;2;0;128;255mblue\033[0m \033[38;5;208morange\033[0m '
printf '\033[1mbold\033[0m \033[4munderlined\033[0m\n'
echo 'a warning on stderr' >&2
for i in 1 2 3 4 5; do printf "\rprogress $i/5"; sleep 0.2; done; echo
printf 'epoch 1: 10%%\nepoch 2: 0%%\n'; sleep 0.2
printf '\033[2A\033[2Kepoch 1: 100%%\n\033[2Kepoch 2: 60%%\n'
"""
SHOWCASE_LINES = [
    "red blue orange bold underlined",
    "a warning on stderr",
    "progress 5/5",
    "epoch 1: 100%",
    "epoch 2: 60%",
]


@pytest.fixture(scope="module")
def showcase(stack: Stack) -> str:
    """A finished task whose output uses colours, a progress bar and cursor movement."""
    task_id = stack.enqueue(SHOWCASE.strip())
    stack.wait_finished(task_id)
    return task_id


def open_showcase(page: Page, stack: Stack, task_id: str) -> None:
    open_task(page, stack, task_id)
    wait_until_all_shown(page, stack, task_id)
    row_is_rendered(page, SHOWCASE_LINES[-1])


def span(page: Page, text: str) -> Locator:
    """The innermost element of a row's text holding exactly ``text``."""
    exact = re.compile(f"^{re.escape(text)}$")
    return page.locator("#log .row .text, #log .row .text span").filter(has_text=exact).last


def colour_of(locator: Locator) -> str:
    """The computed colour of what ``locator`` finds. The viewer fills a row again whenever what
    it shows changes, so an element found a moment ago may be detached (and have no style) by the
    time it is read: read again, the locator finds the new one."""
    script = "e => e.isConnected ? getComputedStyle(e).color : ''"
    return str(wait_for(lambda: locator.evaluate(script), 5, "a rendered span's colour"))


def test_ansi_colours_and_styles_are_rendered_without_raw_escape_codes(
    stack: Stack, page: Page, showcase: str
) -> None:
    open_showcase(page, stack, showcase)
    red = colour_of(span(page, "red"))
    r, g, b = map(int, re.findall(r"\d+", red))
    assert r > 150 and g < 100 and b < 100, red  # the theme's ANSI red
    expect(span(page, "blue")).to_have_css("color", "rgb(0, 128, 255)")  # true colour
    expect(span(page, "orange")).to_have_css("color", "rgb(255, 135, 0)")  # 256-colour 208
    expect(span(page, "bold")).to_have_css("font-weight", "700")
    expect(span(page, "underlined")).to_have_css("text-decoration-line", "underline")
    rows = page.locator("#log .log-rows").inner_text()
    assert "red blue orange bold underlined" in rows
    assert "\x1b" not in page.locator("body").inner_text()
    assert not re.search(r"\[\d+(;\d+)*m", rows)


def test_stderr_is_shown_in_its_own_colour(stack: Stack, page: Page, showcase: str) -> None:
    open_showcase(page, stack, showcase)
    stderr_colour = colour_of(span(page, "a warning on stderr"))
    stdout_colour = colour_of(page.locator("#log .row .text", has_text="progress 5/5"))
    assert stderr_colour == "rgb(255, 123, 114)"
    assert stdout_colour != stderr_colour


def test_a_carriage_return_progress_bar_shows_only_its_last_frame(
    stack: Stack, page: Page, showcase: str
) -> None:
    open_showcase(page, stack, showcase)
    lines = buffer_lines(page)
    assert [line for line in lines if "progress" in line] == ["progress 5/5"]


def test_cursor_moves_are_not_shown_raw_and_lines_redrawn_after_a_cursor_up_show_once(
    stack: Stack, page: Page, showcase: str
) -> None:
    # Two lines printed, then redrawn after ESC[2A: as a terminal shows them, their last
    # version in place, with no escape code left over (the stored log keeps both versions).
    open_showcase(page, stack, showcase)
    assert buffer_lines(page) == SHOWCASE_LINES


def test_screenshot_of_a_finished_task(
    stack: Stack, page: Page, showcase: str, screenshots: Path
) -> None:
    open_showcase(page, stack, showcase)
    expect(page.locator("#state")).to_have_text("SUCCESS")
    page.screenshot(path=screenshots / "task.png")
    assert (screenshots / "task.png").stat().st_size > 10_000


def test_lines_appear_live_and_the_header_follows_the_task(
    stack: Stack, page: Page, gate: Gate
) -> None:
    cmd = "echo first; " + gate.then("echo second >&2")
    task_id = stack.enqueue(cmd)
    open_task(page, stack, task_id)
    row_is_rendered(page, "first")
    expect(page.locator("#state")).to_have_text("STARTED")  # still running: the line came live
    expect(page.locator("#connection")).to_have_text("connected")
    expect(page.locator("#cmd")).to_have_text(cmd)
    duration = page.locator("#duration").inner_text()
    expect(page.locator("#duration")).not_to_have_text(duration, timeout=2500)  # it ticks
    gate.open()
    expect(page.locator("#state")).to_have_text("SUCCESS", timeout=10_000)
    expect(page.locator("#exit-code")).to_have_text("0")
    # The header's state and the lines come by separate events: wait for the last line too.
    row_is_rendered(page, "second")
    assert buffer_lines(page) == ["first", "second"]
    ticked = page.locator("#duration").inner_text()
    page.wait_for_timeout(1200)
    expect(page.locator("#duration")).to_have_text(ticked)  # stopped with the task
    expect(page.locator("a.brand")).to_have_attribute("href", "/")
    href = page.locator("#download").get_attribute("href")
    assert href == f"/permlog?task_id={task_id}&format=text"
    assert page.request.get(stack.url(href)).text() == "first\nsecond\n"


def test_search_finds_next_and_previous_matches_and_highlights_them(
    stack: Stack, page: Page
) -> None:
    task_id = stack.enqueue("seq 1 300")  # "15" occurs in 15, 115, 150..159 and 215
    stack.wait_finished(task_id)
    open_task(page, stack, task_id)
    wait_until_all_shown(page, stack, task_id)
    page.fill("#search-input", "15")
    count = page.locator("#search-count")
    expect(count).to_have_text(re.compile(r"^\d+ of 13$"))
    first = int(count.inner_text().split()[0])
    page.press("#search-input", "Enter")
    expect(count).to_have_text(f"{first % 13 + 1} of 13")
    page.press("#search-input", "Shift+Enter")
    expect(count).to_have_text(f"{first} of 13")
    expect(page.locator("mark.match.current")).to_have_text("15")
    expect(page.locator("mark.match").first).to_be_attached()
    page.fill("#search-input", "no such text")
    expect(count).to_have_text("no matches")


def test_scrolling_up_pauses_following_and_jump_to_latest_resumes_it(
    stack: Stack, page: Page
) -> None:
    # Long enough to still print after a slow page load on a busy machine.
    task_id = stack.enqueue('for i in $(seq 1 600); do echo "line $i"; sleep 0.03; done')
    open_task(page, stack, task_id)
    wait_until_shown(page, 80)  # more lines than the screen has rows
    jump = page.locator("#jump")
    expect(jump).to_be_hidden()
    page.mouse.move(600, 400)
    page.mouse.wheel(0, -400)
    expect(jump).to_be_visible()
    on_screen = line_numbers_on_screen(page)
    total = page.evaluate("joblook.viewer.source.total")
    # Output goes on. (Predicates as functions: the pages' CSP allows no eval of strings.)
    page.wait_for_function(f"() => joblook.viewer.source.total > {total + 10}")
    assert line_numbers_on_screen(page) == on_screen  # the view stays
    assert not page.evaluate("joblook.viewer.following")
    jump.click()
    expect(jump).to_be_hidden()
    total = page.evaluate("joblook.viewer.source.total")
    page.wait_for_function(f"() => joblook.viewer.source.total > {total + 10}")
    page.wait_for_function(
        "() => joblook.viewer.visibleLines().at(-1) === joblook.viewer.source.total"
    )  # following again


def test_a_dropped_connection_resumes_without_gaps_or_repeats(stack: Stack, page: Page) -> None:
    lines = 80
    task_id = stack.enqueue(f'for i in $(seq 1 {lines}); do echo "line $i"; sleep 0.04; done')
    open_task(page, stack, task_id)
    for seq in (10, 40):
        wait_until_shown(page, seq)  # the first lines may come before the socket is made
        page.wait_for_function("() => window.joblook.socket?.connected")
        page.evaluate(
            "joblook.socket.io.engine.close()"
        )  # the transport drops, as on a bad network
    stack.wait_finished(task_id)
    wait_until_all_shown(page, stack, task_id)
    assert buffer_lines(page) == [f"line {i}" for i in range(1, lines + 1)]
    expect(page.locator("#connection")).to_have_text("connected")


def test_the_connection_indicator_says_when_the_browser_is_offline(
    stack: Stack, page: Page, console_errors: list[str]
) -> None:
    task_id = stack.enqueue("echo hello")
    open_task(page, stack, task_id)
    indicator = page.locator("#connection")
    expect(indicator).to_have_text("connected")
    page.context.set_offline(True)
    expect(indicator).to_have_text("offline")
    page.context.set_offline(False)
    expect(indicator).to_have_text("connected")
    # Chromium logs each request Socket.IO tried while offline; those are what this test causes.
    console_errors[:] = [e for e in console_errors if "ERR_INTERNET_DISCONNECTED" not in e]


def test_an_unknown_task_says_so(stack: Stack, page: Page, console_errors: list[str]) -> None:
    page.goto(stack.url(f"/task?task_id={uuid.uuid4()}"))
    expect(page.locator("#error")).to_have_text(re.compile("^Unknown task"))
    # Chromium logs the refused request itself; that one is the point of this test.
    console_errors[:] = [e for e in console_errors if "status of 404" not in e]
