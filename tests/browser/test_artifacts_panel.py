"""The task page's artifacts panel in real Chromium: images inline, CSV as a table, text
previewed, any other file as a link with its size."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.logview import open_task
from tests.browser.test_progress_page import example_command
from tests.integration.test_artifacts import PNG
from tests.support.stack import Stack

pytestmark = pytest.mark.browser

SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">'
    '<rect width="40" height="20" fill="teal"/></svg>'
)


def _command() -> str:
    png = "".join(f"\\{byte:03o}" for byte in PNG)
    return (
        'cd "$JOBLOOK_ARTIFACTS"'
        f" && printf '{png}' > loss.png"
        f" && printf '%s' '{SVG}' > curve.svg"
        " && printf 'step,loss\\n1,\"0,9\"\\n2,0.5\\n' > metrics.csv"
        " && seq 1 50 > notes.txt"
        " && head -c 1000 /dev/zero > model.ckpt"
    )


def test_the_panel_shows_images_inline_previews_csv_and_text_and_lists_other_files(
    page: Page, stack: Stack
) -> None:
    task_id = stack.enqueue(_command())
    stack.wait_finished(task_id)
    open_task(page, stack, task_id)
    panel = page.locator("#artifacts")
    expect(panel).to_be_visible()
    expect(panel.locator(".artifacts-title")).to_contain_text("Artifacts: 5 files, 1.")
    for name in ("loss.png", "curve.svg"):
        image = panel.locator(f'li[data-name="{name}"] img')
        expect(image).to_be_visible()
        page.wait_for_function(
            "(img) => img.complete && img.naturalWidth > 0", arg=image.element_handle()
        )
    table = panel.locator('li[data-name="metrics.csv"] table')
    expect(table.locator("th")).to_have_text(["step", "loss"])
    expect(table.locator("tr").nth(1).locator("td")).to_have_text(["1", "0,9"])
    text = panel.locator('li[data-name="notes.txt"] pre')
    expect(text).to_have_text("\n".join(str(n) for n in range(1, 21)))
    expect(panel.locator('li[data-name="notes.txt"] .note')).to_have_text("first 20 of 50 lines")
    checkpoint = panel.locator('li[data-name="model.ckpt"]')
    expect(checkpoint.locator("a")).to_have_attribute(
        "href", f"/tasks/{task_id}/artifacts/model.ckpt"
    )
    expect(checkpoint.locator(".artifact-size")).to_have_text("1000 bytes")
    expect(checkpoint.locator("img, pre, table")).to_have_count(0)


def test_screenshot_of_the_artifacts_train_py_keeps(
    stack: Stack, page: Page, screenshots: Path
) -> None:
    task_id = stack.enqueue(example_command().replace("--delay 0.15", "--delay 0"))
    assert stack.wait_finished(task_id)["state"] == "SUCCESS"
    open_task(page, stack, task_id)
    panel = page.locator("#artifacts")
    names = panel.locator("li.artifact > a")
    expect(names).to_have_text(["checkpoint.bin", "loss.svg", "losses.csv"])
    page.wait_for_function(
        "() => document.querySelector('li[data-name=\"loss.svg\"] img')?.naturalWidth > 0"
    )
    expect(panel.locator('li[data-name="losses.csv"] th')).to_have_text(["step", "loss"])
    panel.screenshot(path=screenshots / "artifacts.png")
    assert (screenshots / "artifacts.png").stat().st_size > 5_000
