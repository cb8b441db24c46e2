"""Progress bars, ETA and live metric charts in real Chromium, from real programs' output."""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.logview import open_task, row_is_rendered
from tests.support.gate import Gate
from tests.support.stack import Stack

pytestmark = pytest.mark.browser


def python(program: str) -> str:
    """A shell command running ``program`` with this interpreter (which has tqdm)."""
    return f"{shlex.quote(sys.executable)} -c {shlex.quote(program)}"


# A real tqdm bar: 50 steps of 0.1 s on stderr, redrawn with \r.
TQDM_BAR = python(
    "import time\n"
    "from tqdm import tqdm\n"
    "for _ in tqdm(range(50), desc='train', mininterval=0):\n"
    "    time.sleep(0.1)\n"
)


def metrics(first: int, last: int) -> str:
    """Two metrics every 0.1 s, for steps ``first`` to ``last - 1`` of 30."""
    return python(
        "import json, time\n"
        f"for step in range({first}, {last}):\n"
        "    found = {'loss': round(2 / (step + 1), 4), 'acc': step / 30}\n"
        "    line = {'metrics': found, 'step': step}\n"
        "    print(json.dumps(line), flush=True)\n"
        "    time.sleep(0.1)\n"
    )


METRICS = metrics(0, 30)


def fraction_shown(page: Page, selector: str) -> int:
    return int(page.locator(selector).get_attribute("aria-valuenow") or -1)


def test_the_task_page_shows_a_tqdm_bar_s_progress_and_time_left_live(
    stack: Stack, page: Page
) -> None:
    task_id = stack.enqueue(TQDM_BAR)
    open_task(page, stack, task_id)
    bar = page.locator("#progress")
    expect(bar).to_be_visible(timeout=10_000)
    expect(bar.locator(".progress-text")).to_have_text(re.compile(r"^\d+% · \d+s left$"))
    first = fraction_shown(page, "#progress")
    expect(bar).not_to_have_attribute("aria-valuenow", str(first))  # it moves as tqdm redraws
    assert fraction_shown(page, "#progress") > first
    # The title shows the command's first 40 characters, so it does not depend on where the
    # interpreter (and so the checkout) lies.
    shown = f"{TQDM_BAR[:40]}…" if len(TQDM_BAR) > 40 else TQDM_BAR
    expect(page).to_have_title(re.compile(rf"^\d+% · {re.escape(shown)} · joblook$"))
    expect(page.locator("#state")).to_have_text("SUCCESS", timeout=20_000)
    expect(bar.locator(".progress-text")).to_have_text("100%")  # no time left once it ended
    expect(bar).to_have_attribute("data-running", "false")
    expect(page).to_have_title(re.compile(r"^✓ "))


def test_the_home_list_shows_progress_of_running_tasks(stack: Stack, page: Page) -> None:
    page.goto(stack.url("/"))
    page.wait_for_selector("body[data-live=true]")
    task_id = stack.enqueue(TQDM_BAR)
    row = page.locator(f'#tasks-body tr[data-task-id="{task_id}"]')
    bar = row.locator(".progress")
    expect(bar).to_be_visible(timeout=10_000)
    expect(bar.locator(".progress-text")).to_have_text(re.compile(r"^\d+% · \d+s left$"))
    first = int(bar.get_attribute("aria-valuenow") or -1)
    expect(bar).not_to_have_attribute("aria-valuenow", str(first))
    expect(row.locator(".badge")).to_have_text("SUCCESS", timeout=20_000)
    expect(bar.locator(".progress-text")).to_have_text("100%")


def test_metric_charts_are_drawn_and_grow_live(stack: Stack, page: Page, gate: Gate) -> None:
    # Half the steps, then a wait at the gate: the page surely sees the task running.
    task_id = stack.enqueue(metrics(0, 15) + " && " + gate.then(metrics(15, 30)))
    open_task(page, stack, task_id)
    loss = page.locator('.chart[data-series="loss"]')
    expect(loss).to_be_visible(timeout=10_000)
    expect(page.locator(".chart")).to_have_count(2)
    expect(page.locator('.chart[data-series="acc"] canvas')).to_have_count(1)
    expect(page.locator("#state")).to_have_text("STARTED")  # the points came while it ran
    early = int(loss.get_attribute("data-points") or 0)
    assert 0 < early <= 15
    gate.open()
    expect(loss).to_have_attribute("data-points", "30", timeout=10_000)
    points = page.evaluate("window.joblook.charts.points('loss')")
    assert points == [[step, round(2 / (step + 1), 4)] for step in range(30)]
    expect(loss.locator(".latest")).to_have_text("0.0667")
    row_is_rendered(page, '{"metrics": {"loss": 0.0667, "acc": 0.9666666666666667}, "step": 29}')


def test_a_finished_task_s_charts_load_whole(stack: Stack, page: Page) -> None:
    task_id = stack.enqueue(METRICS)
    stack.wait_finished(task_id)
    open_task(page, stack, task_id)
    expect(page.locator('.chart[data-series="acc"]')).to_have_attribute("data-points", "30")
    expect(page.locator("#notify")).to_be_hidden()  # nothing left to wait for


def example_command() -> str:
    """docs/examples/train.py run by this interpreter, named relative to the repository (the
    worker's working directory) when it lives there, so the screenshot shows no machine's path."""
    try:
        interpreter = str(Path(sys.executable).relative_to(Path.cwd()))
    except ValueError:
        interpreter = sys.executable
    return f"{shlex.quote(interpreter)} docs/examples/train.py --epochs 3 --delay 0.15"


# The tqdm bar's row is on screen (tqdm.write blanks it for a moment whenever it prints).
BAR_IS_DRAWN = """() => [...document.querySelectorAll('#log .row .text')]
    .some((text) => text.textContent.startsWith('training: '))"""


def test_screenshot_of_a_task_with_progress_and_charts(
    stack: Stack, page: Page, screenshots: Path
) -> None:
    task_id = stack.enqueue(example_command())
    open_task(page, stack, task_id)
    expect(page.locator("#progress")).to_be_visible(timeout=15_000)
    expect(page.locator(".chart")).to_have_count(2)
    page.wait_for_function(
        "() => Number(document.querySelector('#progress').getAttribute('aria-valuenow')) >= 40",
        timeout=20_000,
    )
    assert int(page.locator(".chart").first.get_attribute("data-points") or 0) >= 10
    for _attempt in range(20):
        page.wait_for_function(BAR_IS_DRAWN, timeout=10_000, polling=20)
        page.screenshot(path=screenshots / "progress.png")
        if page.evaluate(BAR_IS_DRAWN):
            break
    assert (screenshots / "progress.png").stat().st_size > 10_000
    stack.http.delete(stack.url(f"/tasks/{task_id}"), timeout=10)
