"""The task page's re-run and retry controls in real Chromium: "Run again", "Edit and run" (a
command's and a named job's typed form), and a retried task's attempts with their countdown."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.integration.test_rerun_retries import flaky
from tests.support.stack import Stack, running_stack

pytestmark = pytest.mark.browser

JOBS = """
jobs:
  count:
    description: Count up to n
    argv: [seq, "1", "{n}"]
    params:
      n: {type: int, min: 1, max: 1000, default: 3}
      style: {type: choice, choices: [plain, fancy], default: plain}
"""


@pytest.fixture(scope="module")
def with_jobs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack with a count job (raw commands allowed too)."""
    root = tmp_path_factory.mktemp("rerun-jobs")
    with running_stack(root, {"JOBLOOK_ALLOW_RAW": "1"}, jobs_yaml=JOBS) as stack:
        yield stack


def test_run_again_opens_the_new_task_linked_to_the_old(stack: Stack, page: Page) -> None:
    old = stack.enqueue("echo once more")
    stack.wait_finished(old)
    page.goto(stack.url(f"/task?task_id={old}"))
    page.click("#rerun")
    page.wait_for_url(lambda url: old not in url)
    new = page.url.split("task_id=")[1]
    expect(page.locator("#state")).to_have_text("SUCCESS", timeout=15_000)
    expect(page.locator("#relations")).to_contain_text("Re-run of")
    expect(page.locator("#relations a")).to_have_attribute("href", f"/task?task_id={old}")
    assert stack.task(old)["reruns"] == [new]


def test_edit_and_run_opens_the_command_prefilled_and_runs_the_edit(
    stack: Stack, page: Page
) -> None:
    old = stack.enqueue("echo draft", timeout=30)
    stack.wait_finished(old)
    page.goto(stack.url(f"/task?task_id={old}"))
    page.click("#edit-rerun")
    form = page.locator("#rerun-form")
    expect(form.locator("input[name=cmd]")).to_have_value("echo draft")
    expect(form.locator("input[name=timeout]")).to_have_value("30")
    form.locator("input[name=cmd]").fill("echo final")
    form.locator("input[name=timeout]").fill("")
    form.locator("button[type=submit]").click()
    page.wait_for_url(lambda url: old not in url)
    new = page.url.split("task_id=")[1]
    expect(page.locator("#state")).to_have_text("SUCCESS", timeout=15_000)
    assert stack.task(new)["definition"] == {"cmd": "echo final"}


def test_edit_and_run_of_a_job_is_its_typed_form_with_the_old_values(
    with_jobs: Stack, page: Page
) -> None:
    stack = with_jobs
    old = stack.enqueue_json({"job": "count", "params": {"n": 2, "style": "fancy"}})["task_id"]
    page.goto(stack.url(f"/task?task_id={old}"))
    page.click("#edit-rerun")
    form = page.locator("#rerun-form")
    expect(form.locator("input[name=n]")).to_have_value("2")
    expect(form.locator("select[name=style]")).to_have_value("fancy")
    form.locator("input[name=n]").fill("5000")  # over the job's max: the form holds it back
    form.locator("button[type=submit]").click()
    expect(form.locator("input[name=n]:invalid")).to_have_count(1)
    assert old in page.url
    form.locator("input[name=n]").fill("4")
    form.locator("button[type=submit]").click()
    page.wait_for_url(lambda url: old not in url)
    new = page.url.split("task_id=")[1]
    assert stack.task(new)["definition"]["params"] == {"n": 4, "style": "fancy"}
    assert stack.task(new)["cmd"] == "seq 1 4"


def test_a_retried_task_shows_its_attempt_the_countdown_and_links_to_each(
    stack: Stack, page: Page, tmp_path: Path
) -> None:
    first = stack.enqueue(flaky(tmp_path / "n", 2), retries=3, retry_delay=20)
    page.goto(stack.url(f"/task?task_id={first}"))
    summary = page.locator("#relations .attempt-summary")
    expect(summary).to_have_text(
        re.compile(r"Attempt 2 of 4, next in (1\d|20|9|8) s"), timeout=15_000
    )
    expect(page.locator("#state")).to_have_text("PENDING")
    attempts = page.locator("#relations .attempts a")
    expect(attempts).to_have_count(2)
    expect(page.locator("#relations .attempts .badge").first).to_have_text("FAILURE")
    attempts.last.click()
    page.wait_for_url(f"**/task?task_id={stack.task(first)['attempts'][1]}")
    expect(page.locator("#relations .attempt-summary")).to_contain_text("Attempt 2 of 4")
    page.click("#cancel")  # an attempt waiting for its delay ends at once, and the retries too
    expect(page.locator("#state")).to_have_text("REVOKED", timeout=10_000)
    assert stack.task(first)["state"] == "REVOKED"


def test_edit_and_run_of_a_chain_edits_its_steps_one_a_line(stack: Stack, page: Page) -> None:
    old = stack.enqueue_json({"chain": ["echo a", "echo b"]})["task_id"]
    page.goto(stack.url(f"/task?task_id={old}"))
    page.click("#edit-rerun")
    form = page.locator("#rerun-form")
    expect(form.locator("textarea[name=steps]")).to_have_value("echo a\necho b")
    expect(form.locator("input[name=retries]")).to_have_count(0)  # steps are not retried
    form.locator("textarea[name=steps]").fill("echo c\n\necho d\n")
    form.locator("button[type=submit]").click()
    page.wait_for_url(lambda url: old not in url)
    new = page.url.split("task_id=")[1]
    assert stack.task(new)["definition"] == {"chain": ["echo c", "echo d"]}
    expect(page.locator("#relations .steps a")).to_have_count(2)
