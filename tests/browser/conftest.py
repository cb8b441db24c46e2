"""The browser tests' own fixtures; Chromium and its pages come from tests/support/browser.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.gate import Gate


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    """Where screenshots go: the folder JOBLOOK_SCREENSHOTS names (``make screenshots`` points it
    at docs/screenshots), else a temporary one, so a test run leaves the checkout as it was."""
    folder = Path(os.environ.get("JOBLOOK_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def gate(tmp_path: Path) -> Gate:
    return Gate(tmp_path)
