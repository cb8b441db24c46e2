"""The package's layers point down: store and web never import worker code, nothing runs at import.

Read from the source with ``ast``, so a lazy import inside a function counts as much as one at the
top of a module.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "services" / "joblook"

# package -> the packages it must never import
FORBIDDEN = {
    "store": ("joblook.worker", "joblook.web", "joblook.shipper"),
    "web": ("joblook.worker", "joblook.shipper"),
    "shipper": ("joblook.worker", "joblook.web", "joblook.store"),
    # The scheduler queues work as the web does, without the web: it runs in its own process.
    "scheduler": ("joblook.worker", "joblook.web", "joblook.shipper"),
    "schedules": ("joblook.worker", "joblook.web", "joblook.shipper", "joblook.store"),
}
# Modules whose import builds something on purpose: Celery's ``-A`` entry point.
ENTRY_MODULES = {"joblook.worker.celery_app"}


def imported_modules(path: Path) -> set[str]:
    """Every module the file ``path`` of the package imports."""
    package = ".".join(["joblook", *path.relative_to(PACKAGE).parent.parts])
    return imports_of(path.read_text(encoding="utf-8"), package)


def imports_of(source: str, package: str) -> set[str]:
    """Every module ``source`` (a module of ``package``) imports, at any depth of its code."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package, one level up per extra dot
                parent = package.rsplit(".", node.level - 1)[0]
                base = f"{parent}.{base}".rstrip(".")
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def test_the_import_reader_sees_lazy_and_relative_imports() -> None:
    source = "def f():\n    from joblook.worker import tasks\n    from . import feed\n"
    assert {"joblook.worker.tasks", "joblook.web.feed"} <= imports_of(source, "joblook.web")
    assert "joblook.record" in imports_of("from ..record import State\n", "joblook.web")


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_a_layer_imports_nothing_above_it(layer: str) -> None:
    crossings = [
        f"{path.relative_to(PACKAGE)} imports {module}"
        for path in sorted((PACKAGE / layer).rglob("*.py"))
        for module in sorted(imported_modules(path))
        if module.startswith(FORBIDDEN[layer])
    ]
    assert crossings == []


def test_importing_any_module_reads_no_settings() -> None:
    # With a setting that cannot be parsed, any module that read the environment at import (built a
    # Celery app, say) would fail here.
    modules = sorted(
        "joblook." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
        for path in PACKAGE.rglob("*.py")
    )
    modules = [m.removesuffix(".__init__") for m in modules if m not in ENTRY_MODULES]
    script = "import importlib, sys\nfor m in sys.argv[1:]:\n    importlib.import_module(m)\n"
    result = subprocess.run(
        [sys.executable, "-c", script, *modules],
        env={"JOBLOOK_PORT": "not-a-number", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "joblook.worker.tasks" in modules and "joblook.web" in modules
