"""Reading the task page's terminal from a test: its buffer, its rendered rows, its progress."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.support.stack import Stack

# Every line of the xterm.js buffer (scrollback and screen): wrapped rows joined, trailing blank
# lines cut.
_BUFFER_LINES = """() => {
  const buffer = window.joblook.term.buffer.active;
  const lines = [];
  for (let i = 0; i < buffer.length; i++) {
    const line = buffer.getLine(i);
    const text = line.translateToString(true);
    if (line.isWrapped && lines.length) lines[lines.length - 1] += text;
    else lines.push(text);
  }
  while (lines.length && lines[lines.length - 1] === "") lines.pop();
  return lines;
}"""


def open_task(page: Page, stack: Stack, task_id: str) -> None:
    page.goto(stack.url(f"/task?task_id={task_id}"))


def buffer_lines(page: Page) -> list[str]:
    """The terminal's text, line by line, as xterm.js holds it after escape codes were applied."""
    lines: list[str] = page.evaluate(_BUFFER_LINES)
    return lines


def wait_until_shown(page: Page, seq: int, timeout: float = 10_000) -> None:
    """Until the terminal's buffer holds every record up to ``seq``."""
    page.wait_for_function(
        "seq => Number(document.body.dataset.lastSeq) >= seq", arg=seq, timeout=timeout
    )


def wait_until_all_shown(page: Page, stack: Stack, task_id: str, timeout: float = 10_000) -> None:
    """For a finished task: until the terminal holds its whole stored log."""
    wait_until_shown(page, stack.permlog(task_id, limit=1)["last_seq"], timeout)


def row_is_rendered(page: Page, text: str, timeout: float = 10_000) -> None:
    """Until a row on screen (in the DOM, not just the buffer) reads exactly ``text``."""
    page.wait_for_function(
        """text => [...document.querySelectorAll(".xterm-rows > div")]
              .some((row) => row.textContent.trimEnd() === text)""",
        arg=text,
        timeout=timeout,
        polling=50,
    )
