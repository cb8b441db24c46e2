"""Real headless Chromium (the Debian package) driven by Playwright; no browser download.

The fixtures are registered once, in tests/conftest.py, so every directory that drives a page
(tests/browser, tests/compose/live) shares the session's one Chromium: a second sync_playwright()
in the same session fails.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1200, "height": 700}  # fixed, so screenshots and terminal sizes repeat


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One Chromium for the session."""
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def console_errors() -> list[str]:
    """JavaScript errors the page reported; a test may remove the ones it caused on purpose."""
    return []


@pytest.fixture
def page(browser: Browser, console_errors: list[str]) -> Iterator[Page]:
    """A fresh page that fails the test on any JavaScript error."""
    context = browser.new_context(viewport=VIEWPORT)
    new_page = context.new_page()
    new_page.on("pageerror", lambda exc: console_errors.append(str(exc)))
    new_page.on(
        "console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None
    )
    yield new_page
    context.close()
    assert console_errors == [], f"JavaScript errors: {console_errors}"
