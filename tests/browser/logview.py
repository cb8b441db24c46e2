"""Reading the task page's log viewer from a test: its lines, its rows on screen, its state."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.support.stack import Stack

# The text of the rows (in the DOM) whose text is exactly this, ignoring trailing blanks.
_ROW_SHOWN = """text => [...document.querySelectorAll("#log .row .text")]
    .some((row) => row.textContent.trimEnd() === text)"""


def open_task(page: Page, stack: Stack, task_id: str, fragment: str = "") -> None:
    page.goto(stack.url(f"/task?task_id={task_id}{fragment}"))
    page.wait_for_function("() => window.joblook && window.joblook.viewer")


def buffer_lines(page: Page) -> list[str]:
    """Every line the page shows for the log (fetched through the viewer as it would scroll to
    them), escape codes applied, then its unterminated lines."""
    lines: list[str] = page.evaluate("() => window.joblook.viewer.text()")
    return lines


def visible_lines(page: Page) -> list[str]:
    """The text of the rows wholly on screen, top to bottom."""
    lines: list[str] = page.evaluate("() => window.joblook.viewer.visibleText()")
    return lines


def line_numbers_on_screen(page: Page) -> list[int]:
    numbers: list[int] = page.evaluate("() => window.joblook.viewer.visibleLines()")
    return numbers


def view_is_still(page: Page, timeout: float = 10_000) -> None:
    """Until the rows on screen stay the same for 300 ms: a click aimed at a row then lands on
    it, not on the row that scrolled under the pointer."""
    page.wait_for_function(
        """() => {
            const now = JSON.stringify(window.joblook.viewer.visibleLines());
            const at = performance.now();
            if (now !== window.__stillRows) [window.__stillRows, window.__stillSince] = [now, at];
            return at - window.__stillSince >= 300;
        }""",
        timeout=timeout,
        polling=50,
    )


def wait_until_shown(page: Page, seq: int, timeout: float = 10_000) -> None:
    """Until the lines the page knows reflect every record up to ``seq``."""
    page.wait_for_function(
        "seq => Number(document.body.dataset.lastSeq) >= seq", arg=seq, timeout=timeout
    )


def wait_until_all_shown(page: Page, stack: Stack, task_id: str, timeout: float = 10_000) -> None:
    """For a finished task: until the page knows its whole stored log."""
    wait_until_shown(page, stack.permlog(task_id, limit=1)["last_seq"], timeout)


def row_is_rendered(page: Page, text: str, timeout: float = 10_000) -> None:
    """Until a row on screen (in the DOM) reads exactly ``text``."""
    page.wait_for_function(_ROW_SHOWN, arg=text, timeout=timeout, polling=50)


def row_is_on_screen(page: Page, text: str) -> bool:
    return bool(page.evaluate(_ROW_SHOWN, text))
