"""The documentation site builds with warnings as errors, and the README's links lead somewhere.

`mkdocs build --strict` fails on any warning: a link to a page that does not exist, an anchor no
heading has, a page left out of the nav. The build also makes the API reference from the app's
own /openapi.json (docs/_hooks/api_reference.py), so a change to the API that breaks the page
fails here too.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from joblook.web import apidoc

REPO = Path(__file__).resolve().parents[2]
MKDOCS = Path(sys.executable).with_name("mkdocs")
# [text](target) outside code spans: relative targets only (no scheme, no bare anchor).
LINK = re.compile(r"\]\((?!https?:|mailto:|#)([^)\s]+)\)")


def test_the_site_builds_strictly_with_the_generated_api_reference(tmp_path: Path) -> None:
    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    built = subprocess.run(
        [str(MKDOCS), "build", "--strict", "--site-dir", str(site)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip
    assert built.returncode == 0, built.stdout + built.stderr
    assert "WARNING" not in built.stderr, built.stderr
    api = (site / "reference" / "api" / "index.html").read_text(encoding="utf-8")
    assert "POST /enqueue" in api and 'id="schema-record"' in api
    assert (site / "reference" / "openapi.json").is_file()
    assert (site / "screenshots" / "task.png").is_file()
    assert not (site / "_hooks").exists()


def test_every_relative_link_in_the_readme_reaches_a_file() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    targets = LINK.findall(readme)
    assert "docs/getting-started.md" in targets
    for target in targets:
        assert (REPO / target.partition("#")[0]).is_file(), target


def test_the_reference_page_names_every_operation_and_schema() -> None:
    doc = apidoc.document()
    page = apidoc.markdown(doc)
    for path, item in doc["paths"].items():
        for method in item:
            assert f"### `{method.upper()} {path}`" in page
    for name in doc["components"]["schemas"]:
        assert f"### {name} {{#schema-{name.lower()}}}" in page
    linked = set(re.findall(r"\]\(#(schema-[a-z0-9]+)\)", page))
    assert linked <= {f"schema-{name.lower()}" for name in doc["components"]["schemas"]}
