"""Real Fluentd for the tests: the command to run, found the way a developer would have it.

JOBLOOK_FLUENTD (what `.ci/run` sets) comes first, then ``fluentd`` on PATH, then the build in
``../shared/fluentd`` beside the checkout. A candidate counts only once ``fluentd --version``
succeeds (the shared build needs Ruby, from ``../shared/fluentd/install-deps``).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
BESIDE_CHECKOUT = REPO_ROOT.parent / "shared" / "fluentd" / "bin" / "fluentd"


@functools.cache
def find() -> str | None:
    """The fluentd command, or None when there is none that runs."""
    candidates = [os.environ.get("JOBLOOK_FLUENTD"), shutil.which("fluentd"), str(BESIDE_CHECKOUT)]
    for candidate in filter(None, candidates):
        found = shutil.which(candidate)
        if found and _runs(found):
            return found
    return None


def _runs(command: str) -> bool:
    try:
        done = subprocess.run(
            [command, "--version"], capture_output=True, timeout=30, check=False, text=True
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and done.stdout.startswith("fluentd ")
