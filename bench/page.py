"""The task page's log viewer in headless Chromium (issue #17): open a long log at its end,
search it from the page, scroll through it; how long each takes and how long the tab blocks.

Logs are written straight through the store's append path (tests/support/biglog.py) and indexed
by one read before the page is timed, so what is measured is the page and the API it calls.
Blocking is the longest main-thread task Chromium reports (PerformanceObserver "longtask": every
task over 50 ms; none reported counts as under 50 ms).
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright

from bench.stack import bench_stack
from tests.support.biglog import indexed, seed_log
from tests.support.browser import CHROMIUM_ARGS, VIEWPORT

log = logging.getLogger("bench.page")

NEEDLE = "needle"
SHORT = 100
FULL = (1_000_000, 10_000_000)  # lines searched, lines of the long log opened
QUICK = (20_000, 100_000)

# Long tasks and the moments the page reached what the bench waits for, in page time (ms).
_OBSERVE = """
window.bench = { longTasks: [], lastInput: 0, matchShown: 0 };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) window.bench.longTasks.push([e.startTime, e.duration]);
}).observe({ type: "longtask", buffered: true });
document.addEventListener("input", () => {
  window.bench.lastInput = performance.now();
  window.bench.matchShown = 0;
}, true);
(function watch() {
  const mark = document.querySelector("mark.match.current");
  if (mark && !window.bench.matchShown && window.bench.lastInput) {
    window.bench.matchShown = performance.now();
  }
  requestAnimationFrame(watch);
})();
"""


def _text(lines: int) -> Callable[[int], str]:
    """Line n's text: its number and some words; NEEDLE on a few lines far from both ends."""
    hits = {int(lines * f) + 7 for f in (0.61, 0.72, 0.83)}
    return lambda n: (
        f"{n} step {n % 977} loss {n % 89 / 100:.2f}" + (f" {NEEDLE}" if n in hits else "")
    )


def _longest_since(page: Page, since: float) -> float:
    tasks = page.evaluate("window.bench.longTasks")
    return max((duration for start, duration in tasks if start + duration >= since), default=0.0)


def _open(page: Page, base_url: str, task_id: str, last: int) -> float:
    """Seconds from navigation until the log's last line is on screen."""
    started = time.monotonic()
    page.goto(f"{base_url}/task?task_id={task_id}")
    page.wait_for_function(
        """last => [...document.querySelectorAll('#log .row .ln')]
             .some((n) => n.textContent === String(last))""",
        arg=last,
        timeout=120_000,
        polling=10,
    )
    return time.monotonic() - started


def _search(page: Page) -> dict[str, float]:
    """Type NEEDLE into the search box; from the last keystroke to the first match on screen."""
    page.keyboard.press("Control+f")
    since = page.evaluate("performance.now()")
    page.keyboard.type(NEEDLE)
    page.wait_for_function("() => window.bench.matchShown > 0", timeout=60_000, polling=20)
    shown = page.evaluate("window.bench.matchShown - window.bench.lastInput")
    page.wait_for_timeout(300)
    # The share of the server: how long the search requests took, as the browser timed them.
    requests = page.evaluate(
        """() => performance.getEntriesByType("resource")
             .filter((e) => e.name.includes("/search?"))
             .map((e) => [new URL(e.name).search, Math.round(e.duration)])"""
    )
    return {
        "first_match_ms": round(shown, 1),
        "longest_task_ms": _longest_since(page, since),
        "search_requests_ms": requests,
    }


def _scroll(page: Page) -> dict[str, float]:
    """Wheel through the log, then drag the scroll bar to 20 places, then jump Home and End."""
    page.locator("#log").focus()
    since = page.evaluate("performance.now()")
    started = time.monotonic()
    page.mouse.move(600, 450)
    for _ in range(60):
        page.mouse.wheel(0, -2000)
        page.wait_for_timeout(16)
    for i in range(20):
        page.evaluate(
            "f => { const c = document.querySelector('#log'); c.scrollTop = f * c.scrollHeight; }",
            (i * 7 % 20) / 20,
        )
        page.wait_for_timeout(50)
    page.keyboard.press("Home")
    page.wait_for_function("() => joblook.viewer.visibleText()[0] !== '…'", timeout=30_000)
    page.keyboard.press("End")
    page.wait_for_timeout(300)
    return {
        "seconds": round(time.monotonic() - started, 2),
        "longest_task_ms": _longest_since(page, since),
    }


def run(root: Path, search_lines: int, open_lines: int) -> dict[str, Any]:
    with bench_stack(root) as stack, sync_playwright() as playwright:
        redis_url = stack.env["REDIS_URL"]
        logs: dict[str, tuple[str, int]] = {}
        for name, lines in (("short", SHORT), ("search", search_lines), ("open", open_lines)):
            started = time.monotonic()
            task_id = seed_log(redis_url, lines, _text(lines))
            indexed(stack.http, stack.base_url, task_id)
            log.info(
                "%s: %d lines written and indexed in %.1f s",
                name,
                lines,
                time.monotonic() - started,
            )
            logs[name] = (task_id, lines)
        executable = shutil.which("chromium") or "/usr/bin/chromium"
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            results: dict[str, Any] = {"search_lines": search_lines, "open_lines": open_lines}
            warm = _page(browser)  # the browser's first page pays for its start: not timed
            _open(warm, stack.base_url, *logs["short"])
            warm.context.close()
            for name in ("short", "open"):
                page = _page(browser)
                results[f"open_{name}_s"] = round(_open(page, stack.base_url, *logs[name]), 3)
                results[f"open_{name}_longest_task_ms"] = _longest_since(page, 0)
                page.context.close()
            page = _page(browser)
            results["open_search_log_s"] = round(_open(page, stack.base_url, *logs["search"]), 3)
            results["search"] = _search(page)
            results["scroll"] = _scroll(page)
            page.context.close()
        finally:
            browser.close()
    return results


def _page(browser: Any) -> Page:
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(_OBSERVE)
    return context.new_page()


def rows(results: dict[str, Any]) -> list[tuple[str, str]]:
    """The table: (metric, value)."""
    n_search, n_open = results["search_lines"], results["open_lines"]
    return [
        (f"open a {SHORT}-line log at its end", f"{results['open_short_s']:.2f} s"),
        (f"open a {n_open:,}-line log at its end", f"{results['open_open_s']:.2f} s"),
        ("  longest task while opening it", _ms(results["open_open_longest_task_ms"])),
        (f"search {n_search:,} lines: typing stopped -> first match shown",
         f"{results['search']['first_match_ms']:.0f} ms"),
        ("  longest task during the search", _ms(results["search"]["longest_task_ms"])),
        ("  longest task while scrolling (wheel, scroll bar, Home, End)",
         _ms(results["scroll"]["longest_task_ms"])),
    ]  # fmt: skip


def _ms(value: float) -> str:
    return f"{value:.0f} ms" if value else "< 50 ms"  # Chromium reports no task under 50 ms


def render(table: list[tuple[str, str]]) -> str:
    width = max(len(metric) for metric, _ in table)
    return "\n".join(f"{metric:<{width}}  {value:>10}" for metric, value in table)
