"""Every page script parses as an ES module: one that does not (a name declared twice by two
merged changes, say) stops every page that imports it, and only a browser would notice."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parents[3] / "web" / "static"
MODULES = sorted(STATIC.glob("*.js"))


def test_the_page_scripts_are_found() -> None:
    assert {"api.js", "task.js", "home.js"} <= {m.name for m in MODULES}


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.name)
def test_each_page_script_parses_as_a_module(module: Path, tmp_path: Path) -> None:
    node = shutil.which("node")
    assert node is not None, "node is needed for the browser assets (make install)"
    copy = tmp_path / (module.stem + ".mjs")  # node checks .mjs as a module
    copy.write_text(module.read_text())
    checked = subprocess.run(
        [node, "--check", str(copy)], check=False, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr
