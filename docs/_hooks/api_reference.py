"""MkDocs hook: add the HTTP API reference, written from the app's ``/openapi.json``, to the site.

The page (``reference/api.md``) and the document beside it (``reference/openapi.json``) exist only
in the build: they are made from the app each time, so they cannot fall behind it.
"""

from __future__ import annotations

import json

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

from joblook.web import apidoc

PAGE = "reference/api.md"
DOCUMENT = "reference/openapi.json"


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Called by MkDocs once the docs' own files are collected; adds the two generated ones."""
    doc = apidoc.document()
    files.append(File.generated(config, PAGE, content=apidoc.markdown(doc)))
    files.append(File.generated(config, DOCUMENT, content=json.dumps(doc, indent=2) + "\n"))
    return files
