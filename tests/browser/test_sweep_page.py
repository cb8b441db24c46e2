"""The sweep page in real Chromium: a run per row, kept current live from the runs' events."""

from __future__ import annotations

import json
import shlex
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.support.stack import Stack, running_stack

pytestmark = pytest.mark.browser

# Waits for the gate file, then reports a falling loss for 3 steps; the last loss is lr * 1.
PROGRAM = (
    "import json, os, sys, time\n"
    "lr, gate = float(sys.argv[1]), sys.argv[3]\n"
    "while not os.path.exists(gate): time.sleep(0.05)\n"
    "for step in range(3):\n"
    "    print(json.dumps(dict(metrics=dict(loss=lr * (3 - step)), step=step)), flush=True)\n"
)
JOBS = f"""
jobs:
  train:
    argv: [{shlex.quote(sys.executable)}, -c, {json.dumps(PROGRAM)},
           "{{lr}}", "{{seed}}", "{{gate}}"]
    params:
      lr: {{type: float}}
      seed: {{type: int}}
      gate: {{type: string}}
"""


@pytest.fixture(scope="module")
def sweep_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("sweep-page"), jobs_yaml=JOBS) as stack:
        yield stack


def test_the_sweep_page_lists_each_run_and_follows_its_state_and_metrics_live(
    sweep_stack: Stack, page: Page, tmp_path: Path
) -> None:
    gate = tmp_path / "go"
    body = {"job": "train", "params": {"gate": str(gate)},
            "sweep": {"lr": [0.1, 0.5], "seed": [1, 2]}}  # fmt: skip
    reply = sweep_stack.enqueue_json(body)
    page.goto(sweep_stack.url(f"/sweep?task_id={reply['task_id']}"))
    page.wait_for_selector("body[data-live=true]")
    headers = page.locator("#runs-head th")
    expect(headers).to_have_text(["lr", "seed", "State", "Progress", "Exit"])
    rows = page.locator("#runs-body tr")
    expect(rows).to_have_count(4)
    expect(rows.nth(2).locator(".param a").first).to_have_text("0.5")
    expect(rows.nth(2).locator(".param a").nth(1)).to_have_text("1")
    link = rows.nth(2).locator(".param a").first
    expect(link).to_have_attribute("href", f"/task?task_id={reply['steps'][2]}")
    expect(rows.locator(".badge", has_text="SUCCESS")).to_have_count(0)  # held at the gate
    gate.touch()
    expect(rows.locator(".badge", has_text="SUCCESS")).to_have_count(4, timeout=30_000)
    expect(headers.last).to_have_text("loss")
    expect(rows.nth(2).locator('td[data-metric="loss"]')).to_have_text("0.5000", timeout=10_000)
    expect(rows.nth(0).locator('td[data-metric="loss"]')).to_have_text("0.1000")
    expect(page.locator("#state")).to_have_text("SUCCESS")
    expect(page.locator("#summary")).to_have_text("4 runs: 4 SUCCESS")


def test_the_sweep_page_says_when_the_task_is_not_a_parent(sweep_stack: Stack, page: Page) -> None:
    task_id = sweep_stack.enqueue_json(
        {"job": "train", "params": {"lr": 1, "seed": 1, "gate": "/"}}
    )
    page.goto(sweep_stack.url(f"/sweep?task_id={task_id['task_id']}"))
    expect(page.locator("#error")).to_contain_text("not a chain, group or sweep")
