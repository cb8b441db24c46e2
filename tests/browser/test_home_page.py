"""The home page in real Chromium: launch a command, see errors, watch the task list live."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.logview import row_is_rendered
from tests.support.stack import Stack

pytestmark = pytest.mark.browser


def open_home(page: Page, stack: Stack) -> None:
    """Open the home page and wait until it listens for task events."""
    page.goto(stack.url("/"))
    page.wait_for_selector("body[data-live=true]")


def test_the_form_launches_a_task_and_opens_its_page(stack: Stack, page: Page) -> None:
    open_home(page, stack)
    page.fill("input[name=cmd]", "echo launched from the browser")
    page.keyboard.press("Enter")
    page.wait_for_url("**/task?task_id=*")
    row_is_rendered(page, "launched from the browser")
    expect(page.locator("#cmd")).to_have_text("echo launched from the browser")


def test_the_run_button_launches_too(stack: Stack, page: Page) -> None:
    open_home(page, stack)
    page.fill("input[name=cmd]", "echo from the button")
    page.click("button[type=submit]")
    page.wait_for_url("**/task?task_id=*")
    row_is_rendered(page, "from the button")


def test_the_apis_error_for_an_empty_command_is_shown(
    stack: Stack, page: Page, console_errors: list[str]
) -> None:
    open_home(page, stack)
    page.evaluate("document.querySelector('input[name=cmd]').removeAttribute('required')")
    page.fill("input[name=cmd]", "   ")
    page.click("button[type=submit]")
    expect(page.locator("#error")).to_have_text("cmd must be a non-empty string")
    expect(page).to_have_url(stack.url("/"))
    # Chromium logs the refused request itself; that one is the point of this test.
    console_errors[:] = [e for e in console_errors if "status of 400" not in e]


def test_the_list_shows_a_new_task_and_its_state_changes_live(stack: Stack, page: Page) -> None:
    open_home(page, stack)
    page.evaluate("window.notReloaded = true")
    task_id = stack.enqueue("sleep 1.5; exit 3")
    row = page.locator(f'#tasks-body tr[data-task-id="{task_id}"]')
    expect(page.locator("#tasks-body tr").first).to_have_attribute("data-task-id", task_id)
    expect(row.locator(".badge")).to_have_text("STARTED", timeout=10_000)
    expect(row.locator(".exit-code")).to_have_text("—")
    expect(row.locator(".badge")).to_have_text("FAILURE", timeout=10_000)
    expect(row.locator(".exit-code")).to_have_text("3")
    expect(row.locator(".cmd a")).to_have_text("sleep 1.5; exit 3")
    expect(row.locator(".cmd a")).to_have_attribute("href", f"/task?task_id={task_id}")
    assert page.evaluate("window.notReloaded")  # it changed in place, without a reload


def test_the_list_is_newest_first_and_links_to_flower(stack: Stack, page: Page) -> None:
    older = stack.enqueue("echo older")
    newer = stack.enqueue("echo newer")
    open_home(page, stack)
    ids = page.locator("#tasks-body tr").evaluate_all("rows => rows.map(r => r.dataset.taskId)")
    assert ids.index(newer) < ids.index(older)
    flower = stack.http.get(stack.url("/config")).json()["flower_url"]
    expect(page.locator("#flower")).to_have_attribute("href", flower)
    expect(page.locator("#flower")).to_be_visible()


# The cells of the list's first row whose text does not fit their column (spilling into the next).
OVERFLOWING_CELLS = """() => [...document.querySelector('#tasks-body tr').cells]
    .filter((cell) => cell.scrollWidth > cell.clientWidth + 1).map((cell) => cell.className)"""


def test_every_column_of_the_list_holds_its_text(stack: Stack, page: Page) -> None:
    task_id = stack.enqueue("exit 3")
    stack.wait_finished(task_id)
    open_home(page, stack)
    row = page.locator(f'#tasks-body tr[data-task-id="{task_id}"]')
    expect(row.locator(".badge")).to_have_text("FAILURE")
    expect(row.locator(".submitted-by")).not_to_be_empty()
    assert page.evaluate(OVERFLOWING_CELLS) == []


def test_screenshot_of_the_home_page(stack: Stack, page: Page, screenshots: Path) -> None:
    for cmd in ("python3 -c 'print(42)'", "ls /no/such/dir", "sleep 8"):
        stack.enqueue(cmd)
    open_home(page, stack)
    expect(page.locator("#tasks-body .badge").first).to_have_text("STARTED", timeout=10_000)
    page.locator("#cmd").fill("python train.py --epochs 10")
    page.screenshot(path=screenshots / "home.png")
    assert (screenshots / "home.png").stat().st_size > 10_000


def test_the_filter_box_keeps_tasks_by_command_and_by_output(stack: Stack, page: Page) -> None:
    by_command = stack.enqueue("echo filter-OKAPI-cmd > /dev/null")
    by_output = stack.enqueue("echo the $(echo ok)api-in-output")  # the text is not in the command
    stack.wait_finished(by_command)
    stack.wait_finished(by_output)
    open_home(page, stack)
    rows = page.locator("#tasks-body tr")
    page.fill("#filter-q", "okapi")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-task-id", by_command)
    page.check("#filter-output")
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_attribute("data-task-id", by_output)
    page.fill("#filter-q", "no task prints this")
    expect(rows).to_have_count(0)
    expect(page.locator("#no-tasks")).to_have_text("No task matches the filter.")
    page.fill("#filter-q", "")
    expect(rows.first).to_be_visible()


def test_a_task_whose_output_comes_to_match_joins_the_filtered_list_live(
    stack: Stack, page: Page
) -> None:
    open_home(page, stack)
    rows = page.locator("#tasks-body tr")
    page.check("#filter-output")
    page.fill("#filter-q", "zebra")
    expect(page.locator("#no-tasks")).to_have_text("No task matches the filter.")
    page.wait_for_timeout(500)  # the filter is applied 300 ms after typing stops
    other = stack.enqueue("sleep 1; echo nothing to see; sleep 30")
    printer = stack.enqueue("sleep 1; echo the $(echo ze)bra-in-output; sleep 30")  # not in cmd
    try:
        expect(rows).to_have_count(1, timeout=15_000)
        expect(rows.first).to_have_attribute("data-task-id", printer)
        expect(rows.first).to_have_attribute("data-state", "STARTED")  # listed while it runs
        assert stack.task(other)["state"] == "STARTED"  # it printed too, and is not listed
    finally:
        for task_id in (other, printer):
            stack.http.delete(stack.url(f"/tasks/{task_id}"), timeout=10)


def launch_with_options(page: Page, cmd: str, options: dict[str, str]) -> None:
    """Fill the launch form's command and, under "Options", the given fields; press Run."""
    page.fill("input[name=cmd]", cmd)
    page.locator("#launch summary", has_text="Options").click()
    for label, value in options.items():
        page.locator("#launch .launch-fields").get_by_label(label, exact=True).fill(value)
    page.click("#launch button[type=submit]")


def test_the_launch_options_reach_the_task_and_its_page(stack: Stack, page: Page) -> None:
    open_home(page, stack)
    expect(page.locator("#launch .launch-fields")).to_be_hidden()  # closed until wanted
    options = {"Timeout (s)": "90", "Queue": "nobody-serves", "Retries": "2",
               "Retry delay (s)": "1.5"}  # fmt: skip
    launch_with_options(page, "echo options", options)
    page.wait_for_url("**/task?task_id=*")
    task_id = page.url.split("task_id=")[1]
    try:
        task = stack.task(task_id)
        assert (task["queue"], task["timeout"]) == ("nobody-serves", 90)
        assert (task["retries"], task["retry_delay"], task["attempt"]) == (2, 1.5, 1)
        assert "secrets" not in (task["definition"] or {})  # an empty field is not sent
        expect(page.locator("#task-queue")).to_have_text("nobody-serves")
        expect(page.locator("#timeout")).to_have_text("1m 30s")
        expect(page.locator(".attempt-summary")).to_have_text("Attempt 1 of 3")
        # Cancelled, it waits for a worker of its queue to end it; the page draws it again.
        stack.http.delete(stack.url(f"/tasks/{task_id}"), timeout=10)
        expect(page.locator("#cancelled-by")).not_to_be_empty()
        expect(page.locator(".attempt-summary")).to_have_text("Attempt 1 of 3")  # not blanked
    finally:  # no worker serves its queue: do not leave it waiting for the next tests
        stack.http.delete(stack.url(f"/tasks/{task_id}"), timeout=10)


def test_a_bad_launch_option_shows_the_apis_error(
    stack: Stack, page: Page, console_errors: list[str]
) -> None:
    open_home(page, stack)
    launch_with_options(page, "echo never", {"GPUs": "-1"})
    expect(page.locator("#error")).to_contain_text("gpus must be a whole number from 0 to")
    page.locator("#launch .launch-fields").get_by_label("GPUs").fill("")
    page.locator("#launch .launch-fields").get_by_label("Secrets").fill("NOT_SET, ALSO_NOT")
    page.click("#launch button[type=submit]")
    expect(page.locator("#error")).to_contain_text("unknown secret: NOT_SET, ALSO_NOT")
    expect(page).to_have_url(stack.url("/"))
    console_errors[:] = [e for e in console_errors if "status of 400" not in e]
