"""How the task page tells people a task ended: the tab title, and opt-in browser notifications;
and how it says a running task has gone quiet (JOBLOOK_STALL_SECONDS)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.logview import open_task, row_is_rendered
from tests.support.browser import VIEWPORT
from tests.support.gate import Gate
from tests.support.stack import Stack, running_stack

pytestmark = pytest.mark.browser

# Keeps every notification the page creates, instead of showing it.
RECORD_NOTIFICATIONS = """
(() => {
  const Real = window.Notification;
  window.notificationsShown = [];
  window.Notification = class {
    static get permission() { return Real.permission; }
    static requestPermission(...args) { return Real.requestPermission(...args); }
    constructor(title, options = {}) {
      window.notificationsShown.push({ title, body: options.body, tag: options.tag });
    }
  };
})();
"""


@pytest.fixture
def notifying(browser: Browser, stack: Stack, console_errors: list[str]) -> Iterator[Page]:
    """A page whose origin may show notifications, recording them."""
    context: BrowserContext = browser.new_context(viewport=VIEWPORT)
    context.grant_permissions(["notifications"], origin=stack.base_url)
    context.add_init_script(RECORD_NOTIFICATIONS)
    page = context.new_page()
    page.on("pageerror", lambda exc: console_errors.append(str(exc)))
    yield page
    context.close()
    assert console_errors == []


def ended_title(mark: str, cmd: str) -> str:
    """The tab title of an ended task: its mark and the command's first 40 characters."""
    return f"{mark} {cmd[:40]}…" if len(cmd) > 40 else f"{mark} {cmd}"


def shown(page: Page) -> list[dict[str, Any]]:
    notifications: list[dict[str, Any]] = page.evaluate("window.notificationsShown")
    return notifications


def test_an_opted_in_page_notifies_once_when_the_task_ends(
    stack: Stack, notifying: Page, gate: Gate
) -> None:
    cmd = gate.then("exit 3")
    task_id = stack.enqueue(cmd)
    open_task(notifying, stack, task_id)
    button = notifying.locator("#notify")
    expect(button).to_be_visible()
    expect(button).to_have_attribute("aria-pressed", "false")
    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")
    gate.open()
    expect(notifying.locator("#state")).to_have_text("FAILURE", timeout=10_000)
    expect(notifying).to_have_title(ended_title("✗", cmd))
    notifying.wait_for_function("() => window.notificationsShown.length > 0")
    notifying.wait_for_timeout(500)  # a second one would come with the refresh that follows
    [notice] = shown(notifying)
    assert notice["title"] == ended_title("✗", cmd)
    assert re.fullmatch(r"FAILURE, exit code 3 after \d+\.\ds", notice["body"]), notice
    expect(button).to_be_hidden()


def test_the_choice_is_remembered_and_a_success_is_marked_with_a_tick(
    stack: Stack, notifying: Page, gate: Gate
) -> None:
    first = stack.enqueue("sleep 30")
    open_task(notifying, stack, first)
    notifying.locator("#notify").click()
    expect(notifying.locator("#notify")).to_have_attribute("aria-pressed", "true")
    stack.http.delete(stack.url(f"/tasks/{first}"), timeout=10)
    cmd = gate.then("echo done")
    second = stack.enqueue(cmd)
    open_task(notifying, stack, second)  # a new page: nobody clicks this time
    expect(notifying.locator("#notify")).to_have_attribute("aria-pressed", "true")
    gate.open()
    expect(notifying).to_have_title(ended_title("✓", cmd), timeout=10_000)
    notifying.wait_for_function("() => window.notificationsShown.length > 0")
    assert [n["title"] for n in shown(notifying)] == [ended_title("✓", cmd)]


def test_without_opting_in_there_is_no_notification_only_the_title(
    stack: Stack, notifying: Page, gate: Gate
) -> None:
    cmd = gate.then("true")
    task_id = stack.enqueue(cmd)
    open_task(notifying, stack, task_id)
    expect(notifying.locator("#notify")).to_be_visible()
    gate.open()
    expect(notifying).to_have_title(ended_title("✓", cmd), timeout=10_000)
    notifying.wait_for_timeout(500)
    assert shown(notifying) == []


def test_opening_a_finished_task_marks_the_title_but_does_not_notify(
    stack: Stack, notifying: Page
) -> None:
    notifying.goto(stack.url("/"))
    notifying.evaluate("localStorage.setItem('joblook.notify', 'on')")
    task_id = stack.enqueue("false")
    stack.wait_finished(task_id)
    open_task(notifying, stack, task_id)
    expect(notifying).to_have_title("✗ false")
    expect(notifying.locator("#notify")).to_be_hidden()
    notifying.wait_for_timeout(500)
    assert shown(notifying) == []


@pytest.fixture(scope="module")
def impatient_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack whose pages call a task stalled after 2 s of silence."""
    root: Path = tmp_path_factory.mktemp("stall")
    with running_stack(root, extra_env={"JOBLOOK_STALL_SECONDS": "2"}) as running:
        yield running


def test_a_silent_running_task_gets_a_stall_hint_until_it_prints_again(
    impatient_stack: Stack, page: Page
) -> None:
    task_id = impatient_stack.enqueue("echo working; sleep 4; echo resumed; sleep 1.5")
    open_task(page, impatient_stack, task_id)
    row_is_rendered(page, "working")
    note = page.locator("#stall-note")
    # (Not checked hidden first: on a busy machine the page may open 2 s into the silence.)
    expect(note).to_be_visible(timeout=5_000)
    expect(note).to_have_text(re.compile(r"^No output for \d+\.\ds: the task may be stalled"))
    row_is_rendered(page, "resumed")
    expect(note).to_be_hidden()
    expect(page.locator("#state")).to_have_text("SUCCESS", timeout=10_000)
    expect(note).to_be_hidden()
