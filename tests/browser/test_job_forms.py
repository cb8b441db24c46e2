"""The home page's named-job forms in real Chromium: fill in parameters, run, see refusals."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.logview import row_is_rendered
from tests.support.stack import Stack, running_stack

pytestmark = pytest.mark.browser

JOBS = """
jobs:
  note:
    description: Print a note
    argv: [printf, "%s\\\\n", "{text}"]
    params:
      text: {type: string}
  count:
    description: Count up to n
    argv: [seq, "1", "{n}"]
    params:
      n: {type: int, min: 1, max: 1000, default: 3}
"""


@pytest.fixture(scope="module")
def with_jobs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack whose jobs file defines the note and count jobs (so raw commands are refused)."""
    with running_stack(tmp_path_factory.mktemp("job-forms"), jobs_yaml=JOBS) as stack:
        yield stack


def open_home(page: Page, stack: Stack) -> None:
    """Open the home page and wait until it listens for task events."""
    page.goto(stack.url("/"))
    page.wait_for_selector("body[data-live=true]")


def test_the_home_page_shows_one_form_per_job(with_jobs: Stack, page: Page) -> None:
    open_home(page, with_jobs)
    note, count = page.locator("form[data-job=note]"), page.locator("form[data-job=count]")
    expect(note.locator("h3")).to_have_text("note")
    expect(note.locator(".description")).to_have_text("Print a note")
    expect(note.get_by_label("text")).to_have_attribute("type", "text")
    expect(count.locator(".description")).to_have_text("Count up to n")
    n = count.get_by_label("n", exact=True)
    expect(n).to_have_attribute("type", "number")
    expect(n).to_have_attribute("min", "1")
    expect(n).to_have_attribute("max", "1000")
    expect(n).to_have_value("3")


def test_a_job_runs_with_shell_syntax_taken_literally(
    with_jobs: Stack, page: Page, tmp_path: Path
) -> None:
    marker = tmp_path / "marker"
    text = f"; touch {marker}"
    open_home(page, with_jobs)
    form = page.locator("form[data-job=note]")
    form.get_by_label("text").fill(text)
    form.get_by_role("button", name="Run").click()
    page.wait_for_url("**/task?task_id=*")
    row_is_rendered(page, text)
    task_id = page.url.split("task_id=")[1]
    assert with_jobs.wait_finished(task_id)["state"] == "SUCCESS"
    assert not marker.exists()


def test_a_number_job_runs_with_its_default(with_jobs: Stack, page: Page) -> None:
    open_home(page, with_jobs)
    page.locator("form[data-job=count]").get_by_role("button", name="Run").click()
    page.wait_for_url("**/task?task_id=*")
    row_is_rendered(page, "3")


def test_the_apis_refusal_is_shown_next_to_the_form(
    with_jobs: Stack, page: Page, console_errors: list[str]
) -> None:
    open_home(page, with_jobs)
    form = page.locator("form[data-job=count]")
    form.get_by_label("n", exact=True).evaluate("input => input.removeAttribute('min')")
    form.get_by_label("n", exact=True).fill("0")
    form.get_by_role("button", name="Run").click()
    expect(form.locator(".error")).to_have_text("n must be >= 1")
    expect(page.locator("form[data-job=note] .error")).to_be_hidden()
    expect(page).to_have_url(with_jobs.url("/"))
    # Chromium logs the refused request itself; that one is the point of this test.
    console_errors[:] = [e for e in console_errors if "status of 400" not in e]


def test_the_raw_command_form_shows_that_raw_commands_are_refused(
    with_jobs: Stack, page: Page, console_errors: list[str], tmp_path: Path
) -> None:
    marker = tmp_path / "raw"
    open_home(page, with_jobs)
    page.fill("input[name=cmd]", f"touch {marker}")
    page.click("#launch button[type=submit]")
    expect(page.locator("#error strong")).to_have_text(
        "raw commands are disabled here: run a named job"
    )
    expect(page).to_have_url(with_jobs.url("/"))
    assert not marker.exists()
    console_errors[:] = [e for e in console_errors if "status of 403" not in e]


def test_no_job_forms_without_a_jobs_file(stack: Stack, page: Page) -> None:
    open_home(page, stack)
    page.wait_for_selector("#jobs[data-loaded=true]", state="attached")
    expect(page.locator("#jobs")).to_be_hidden()
    expect(page.locator("form.job")).to_have_count(0)


def test_a_job_runs_with_the_launch_options_given_and_offers_no_secrets(
    with_jobs: Stack, page: Page
) -> None:
    open_home(page, with_jobs)
    form = page.locator("form[data-job=count]")
    form.locator("summary", has_text="Options").click()
    options = form.locator(".launch-fields")
    expect(options.get_by_label("Secrets")).to_have_count(0)  # a job names its own
    options.get_by_label("Timeout (s)").fill("30")
    options.get_by_label("Retries", exact=True).fill("1")
    form.get_by_role("button", name="Run").click()
    page.wait_for_url("**/task?task_id=*")
    row_is_rendered(page, "3")
    task = with_jobs.task(page.url.split("task_id=")[1])
    assert (task["timeout"], task["retries"], task["attempt"]) == (30, 1, 1)
    assert task["definition"]["params"] == {"n": 3}  # the options are not taken for parameters
