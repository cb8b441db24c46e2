"""The task page's log viewer in real Chromium: logs of any size, jumps, line links, times, a
progress bar between printed lines, search over the whole log, and foldable sections (#17)."""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.logview import (
    buffer_lines,
    line_numbers_on_screen,
    open_task,
    row_is_rendered,
    view_is_still,
    visible_lines,
    wait_until_all_shown,
)
from tests.support.biglog import indexed, seed_log
from tests.support.stack import Stack

pytestmark = pytest.mark.browser

BIG = 300_000


@pytest.fixture(scope="module")
def big_log(stack: Stack) -> str:
    """A finished task whose log is 1..300,000, one number a line (written through the store)."""
    task_id = seed_log(stack.env["REDIS_URL"], BIG)
    indexed(stack.http, stack.base_url, task_id)
    return task_id


@pytest.fixture(scope="module")
def short_log(stack: Stack) -> str:
    task_id = stack.enqueue("seq 1 300")
    stack.wait_finished(task_id)
    return task_id


def python(program: str) -> str:
    """A shell command running ``program`` with this interpreter."""
    return f"{shlex.quote(sys.executable)} -c {shlex.quote(program)}"


def test_a_long_log_opens_at_its_end_and_home_and_a_line_number_reach_anywhere(
    stack: Stack, page: Page, big_log: str
) -> None:
    open_task(page, stack, big_log)
    row_is_rendered(page, str(BIG), timeout=30_000)
    assert line_numbers_on_screen(page)[-1] == BIG
    assert page.evaluate("joblook.viewer.following")
    page.locator("#log").press("Home")
    row_is_rendered(page, "1")
    assert line_numbers_on_screen(page)[0] == 1
    assert not page.evaluate("joblook.viewer.following")
    page.locator("#log").press("g")
    expect(page.locator("#goto-input")).to_be_focused()
    page.fill("#goto-input", "123456")
    page.press("#goto-input", "Enter")
    row_is_rendered(page, "123456")
    assert 123456 in line_numbers_on_screen(page)
    expect(page).to_have_url(re.compile("#L123456$"))
    page.locator("#log").press("End")
    row_is_rendered(page, str(BIG))
    assert page.evaluate("joblook.viewer.following")
    # The page never held the log: only the windows it showed.
    assert page.evaluate("joblook.viewer.source.total") == BIG


def test_an_address_with_a_line_opens_there_highlighted(
    stack: Stack, page: Page, big_log: str
) -> None:
    open_task(page, stack, big_log, "#L1234")
    row_is_rendered(page, "1234", timeout=30_000)
    selected = page.locator("#log .row.selected")
    expect(selected).to_have_count(1)
    expect(selected.locator(".text")).to_have_text("1234")
    assert not page.evaluate("joblook.viewer.following")


def test_an_address_with_a_range_highlights_every_line_of_it(
    stack: Stack, page: Page, short_log: str
) -> None:
    open_task(page, stack, short_log, "#L10-L20")
    row_is_rendered(page, "15")
    selected = page.locator("#log .row.selected .ln")
    expect(selected).to_have_count(11)
    assert selected.all_inner_texts() == [str(n) for n in range(10, 21)]


def test_clicking_line_numbers_puts_the_line_or_range_in_the_address(
    stack: Stack, page: Page, short_log: str
) -> None:
    open_task(page, stack, short_log)
    row_is_rendered(page, "300")
    view_is_still(page)
    page.locator('#log .row[data-n="280"] .ln').click()
    expect(page).to_have_url(re.compile("#L280$"))
    page.locator('#log .row[data-n="285"] .ln').click(modifiers=["Shift"])
    expect(page).to_have_url(re.compile("#L280-L285$"))
    expect(page.locator("#log .row.selected")).to_have_count(6)
    page.reload()
    row_is_rendered(page, "282")
    expect(page.locator("#log .row.selected")).to_have_count(6)


def test_the_line_menu_copies_a_link_to_the_line(stack: Stack, page: Page, short_log: str) -> None:
    open_task(page, stack, short_log)
    row_is_rendered(page, "300")
    row = page.locator('#log .row[data-n="290"]')
    row.hover()
    row.locator(".line-menu").click()
    page.get_by_role("menuitem", name="Copy link to line").click()
    copied = page.evaluate("document.body.dataset.copiedLink")
    assert copied == stack.url(f"/task?task_id={short_log}#L290")


def test_the_timestamps_toggle_shows_times_and_is_remembered(
    stack: Stack, page: Page, short_log: str
) -> None:
    open_task(page, stack, short_log)
    row_is_rendered(page, "300")
    times = page.locator("#log .row .ts").first
    expect(times).to_be_hidden()
    page.click("#timestamps")
    expect(page.locator("#timestamps")).to_have_text("Time: clock")
    expect(times).to_have_text(re.compile(r"^\d\d:\d\d:\d\d\.\d{3}$"))
    page.click("#timestamps")
    expect(times).to_have_text(re.compile(r"^\+\d\d:\d\d\.\d{3}$"))
    page.reload()
    row_is_rendered(page, "300")
    expect(page.locator("#timestamps")).to_have_text("Time: since start")
    expect(page.locator("#log .row .ts").first).to_have_text(re.compile(r"^\+\d\d:\d\d\.\d{3}$"))


# tqdm on stderr, redrawn with \r, while the program prints lines on stdout.
TWO_STREAMS = python(
    "import sys, time\n"
    "for i in range(1, 41):\n"
    "    sys.stderr.write(f'\\rtraining: {i * 100 // 40:3d}%|' + '#' * (i // 4))\n"
    "    sys.stderr.flush()\n"
    "    if i % 10 == 0: print(f'checkpoint {i}', flush=True)\n"
    "    time.sleep(0.05)\n"
    "time.sleep(1.5)\n"
    "sys.stderr.write('\\n')\n"
)


def test_a_progress_bar_on_stderr_stays_below_the_lines_printed_on_stdout(
    stack: Stack, page: Page
) -> None:
    task_id = stack.enqueue(TWO_STREAMS)
    open_task(page, stack, task_id)
    row_is_rendered(page, "checkpoint 40", timeout=15_000)
    # While it runs: the printed lines, then the bar's latest frame as the last row.
    expect(page.locator("#log .row.partial .text")).to_have_text(
        re.compile(r"^training: 100%\|#+$")
    )
    shown = visible_lines(page)
    assert shown[-1].startswith("training: 100%")
    assert [line for line in shown if line.startswith("checkpoint")] == [
        f"checkpoint {i}" for i in (10, 20, 30, 40)
    ]
    stack.wait_finished(task_id)
    wait_until_all_shown(page, stack, task_id)
    lines = buffer_lines(page)
    assert [line for line in lines if line.startswith("checkpoint")] == [
        f"checkpoint {i}" for i in (10, 20, 30, 40)
    ]
    bars = [line for line in lines if "training" in line]
    assert bars == ["training: 100%|##########"]  # one frame: no leftovers of earlier ones
    assert all(re.fullmatch(r"checkpoint \d+|training: 100%\|#+", line) for line in lines)


def test_search_finds_a_match_far_outside_the_loaded_lines_and_steps_through_matches(
    stack: Stack, page: Page, big_log: str
) -> None:
    open_task(page, stack, big_log)
    row_is_rendered(page, str(BIG), timeout=30_000)
    page.keyboard.press("Control+f")
    expect(page.locator("#search-input")).to_be_focused()
    page.keyboard.type("12345")  # 12345, then 112345, 123450..123459, 212345
    count = page.locator("#search-count")
    expect(count).to_have_text("1 of 13", timeout=10_000)
    row_is_rendered(page, "12345")
    expect(page.locator("mark.match.current")).to_have_text("12345")
    assert 12345 in line_numbers_on_screen(page)
    page.keyboard.press("Enter")
    expect(count).to_have_text("2 of 13")
    row_is_rendered(page, "112345")
    page.keyboard.press("Shift+Enter")
    page.keyboard.press("Shift+Enter")
    expect(count).to_have_text("13 of 13")  # wrapped round to the last one
    row_is_rendered(page, "212345")
    expect(page.locator("mark.match.current")).to_have_text("12345")
    page.keyboard.press("Escape")
    expect(count).to_have_text("")
    expect(page.locator("mark.match")).to_have_count(0)


SECTIONS = """
echo start
echo '::group::Build'; echo compiling
echo '::group::Inner'; echo nested; sleep 0.2; echo '::endgroup::'
echo '::endgroup::'
echo '::group::Test'; echo 'running tests'; echo 'FAILED: test_x'; exit 1
"""


def test_sections_fold_when_done_except_the_failure_s_and_unfold_on_click(
    stack: Stack, page: Page
) -> None:
    task_id = stack.enqueue(SECTIONS.strip())
    stack.wait_finished(task_id)
    open_task(page, stack, task_id)
    row_is_rendered(page, "FAILED: test_x")
    build = page.locator('#log .row.section[data-n="2"]')
    expect(build).to_have_class(re.compile(r"\bfolded\b"))
    expect(build.locator(".text")).to_have_text("Build")
    expect(build.locator(".duration")).to_have_text(re.compile(r"^\d+(\.\d)?s$"))
    test = page.locator('#log .row.section[data-n="8"]')
    expect(test).to_have_class(re.compile(r"\bopen\b"))  # the task failed in it
    assert visible_lines(page) == ["start", "Build", "Test", "running tests", "FAILED: test_x"]
    build.locator(".fold").click()
    expect(build).to_have_class(re.compile(r"\bopen\b"))
    # The inner section stays folded: it ended too.
    assert visible_lines(page) == [
        "start", "Build", "compiling", "Inner", "::endgroup::",
        "Test", "running tests", "FAILED: test_x",
    ]  # fmt: skip
    # The stored log and the download keep every line as printed.
    text = page.request.get(stack.url(f"/permlog?task_id={task_id}&format=text")).text()
    assert "::group::Inner\nnested\n::endgroup::\n" in text


def test_a_line_inside_a_folded_section_opens_it(stack: Stack, page: Page) -> None:
    task_id = stack.enqueue(SECTIONS.strip())
    stack.wait_finished(task_id)
    open_task(page, stack, task_id, "#L5")
    row_is_rendered(page, "nested")
    expect(page.locator('#log .row[data-n="5"]')).to_have_class(re.compile(r"\bselected\b"))


def test_screenshot_of_a_search(stack: Stack, page: Page, big_log: str, screenshots: Path) -> None:
    open_task(page, stack, big_log)
    row_is_rendered(page, str(BIG), timeout=30_000)
    page.keyboard.press("Control+f")
    page.keyboard.type("4242")
    expect(page.locator("#search-count")).to_have_text(re.compile(r"^1 of \d+$"), timeout=10_000)
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    expect(page.locator("#search-count")).to_have_text(re.compile(r"^3 of \d+$"))
    row_is_rendered(page, "24242")
    page.screenshot(path=screenshots / "search.png")
    assert (screenshots / "search.png").stat().st_size > 10_000


BUILD = """
echo 'Starting the build'
echo '::group::Install dependencies'; for i in $(seq 1 40); do echo "installed package-$i"; done
echo '::endgroup::'
echo '::group::Compile'; echo 'compiling 120 files'
echo '::group::Generate code'; echo 'protoc ...'; sleep 0.3; echo '::endgroup::'
echo 'done'; echo '::endgroup::'
echo '::group::Test'; for i in $(seq 1 12); do echo "test_$i ... ok"; sleep 0.05; done
printf '\\033[31mtest_13 ... FAILED\\033[0m\\n'; echo 'AssertionError: expected 3, got 4'
exit 1
"""


def test_screenshot_of_folded_sections(stack: Stack, page: Page, screenshots: Path) -> None:
    task_id = stack.enqueue(BUILD.strip())
    stack.wait_finished(task_id)
    open_task(page, stack, task_id)
    row_is_rendered(page, "AssertionError: expected 3, got 4")
    expect(page.locator("#log .row.section.folded")).to_have_count(2)
    page.screenshot(path=screenshots / "sections.png")
    assert (screenshots / "sections.png").stat().st_size > 10_000
