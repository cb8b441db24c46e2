"""The task page's controls: cancel a running task, see its timeout, move between a chain and
its steps."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.support.stack import Stack

pytestmark = pytest.mark.browser


def test_the_cancel_button_stops_a_running_task(stack: Stack, page: Page) -> None:
    task_id = stack.enqueue("echo working; sleep 300", timeout=600)
    page.goto(stack.url(f"/task?task_id={task_id}"))
    expect(page.locator("#state")).to_have_text("STARTED", timeout=10_000)
    expect(page.locator("#timeout")).to_have_text("10m 00s")
    page.click("#cancel")
    expect(page.locator("#state")).to_have_text("REVOKED", timeout=15_000)
    expect(page.locator("#cancel")).to_be_hidden()
    assert stack.task(task_id)["message"].startswith("cancelled by api")


def test_a_chain_page_links_its_steps_and_a_step_links_back(stack: Stack, page: Page) -> None:
    reply = stack.enqueue_json({"chain": ["echo first step", "echo second step"]})
    parent, steps = reply["task_id"], reply["steps"]
    page.goto(stack.url(f"/task?task_id={parent}"))
    step_links = page.locator("#relations .steps a")
    expect(step_links).to_have_count(2)
    expect(step_links.first).to_have_text("echo first step")
    expect(page.locator("#state")).to_have_text("SUCCESS", timeout=15_000)
    expect(page.locator("#relations .steps .badge").last).to_have_text("SUCCESS")
    step_links.last.click()
    page.wait_for_url(f"**/task?task_id={steps[1]}")
    expect(page.locator("#relations")).to_contain_text("Step of a chain")
    expect(page.locator("#relations a")).to_have_attribute("href", f"/task?task_id={parent}")
