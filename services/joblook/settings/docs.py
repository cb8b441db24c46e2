"""The docs site's settings table (``docs/configuration.md``) and ``.env.example``, written from
the declarations.

``make docs-settings`` (``python -m joblook.settings --write``) rewrites both from ``declared.py``;
a unit test fails while either differs from what the declarations give.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from joblook.settings.declared import SETTINGS
from joblook.settings.setting import Setting

REPO = Path(__file__).resolve().parents[3]
SETTINGS_PAGE = REPO / "docs" / "configuration.md"
ENV_EXAMPLE = REPO / ".env.example"
TABLE_START = "<!-- settings table: written by `make docs-settings` from settings/declared.py -->"
TABLE_END = "<!-- end of settings table -->"
WIDTH = 100

ENV_HEADER = """\
# joblook settings. Copy this file to .env and fill in the secrets:
#
#   cp .env.example .env
#
# .env is git-ignored and must never be committed. `docker compose` reads it for the ${VARIABLES}
# in docker-compose.yml; `joblook up` and the other `joblook` commands read the same names from
# the environment.
#
# Lines starting with "# NAME=" show a setting's default; remove the "# " to change it.
# Make every secret long and random, hex keeps it safe inside URLs and headers:
#
#   openssl rand -hex 32
#
# Written by `make docs-settings` from services/joblook/settings/declared.py: edit it there.
"""


def markdown_table() -> str:
    """The table of joblook's own settings (compose's variables are in .env.example)."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for setting in SETTINGS:
        if setting.attr is not None:
            cells = (f"`{setting.env}`", _shown_default(setting), setting.help)
            rows.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(rows) + "\n"


def env_example() -> str:
    """``.env.example``: every variable, grouped by section, each with its help as a comment."""
    parts = [ENV_HEADER]
    section = None
    for setting in SETTINGS:
        if setting.section is not section:
            section = setting.section
            title = f"# ---- {section.title} "
            parts.append("\n" + title + "-" * (WIDTH - len(title)) + "\n")
            if section.note:
                parts.append(_comment(section.note))
        parts.append("\n" + _comment(setting.help) + _assignment(setting) + "\n")
    return "".join(parts)


def page_with_table(page: str) -> str:
    """``page`` with the text between the table's markers replaced by :func:`markdown_table`."""
    before, start, rest = page.partition(TABLE_START)
    _old, end, after = rest.partition(TABLE_END)
    if not start or not end:
        markers = f"{TABLE_START!r} ... {TABLE_END!r}"
        raise ValueError(f"{SETTINGS_PAGE.name} lacks the markers {markers}")
    return f"{before}{TABLE_START}\n{markdown_table()}{TABLE_END}{after}"


def write() -> None:
    page = SETTINGS_PAGE.read_text(encoding="utf-8")
    SETTINGS_PAGE.write_text(page_with_table(page), encoding="utf-8")
    ENV_EXAMPLE.write_text(env_example(), encoding="utf-8")


def _shown_default(setting: Setting) -> str:
    if setting.shown_default:
        return setting.shown_default
    return f"`{setting.default_text}`" if setting.default_text else "unset"


def _comment(text: str) -> str:
    lines = textwrap.wrap(text, WIDTH - 2, break_long_words=False, break_on_hyphens=False)
    return "".join(f"# {line}\n" for line in lines)


def _assignment(setting: Setting) -> str:
    if setting.secret:
        return f"{setting.env}="
    value = setting.example if setting.example is not None else setting.default_text
    return f"# {setting.env}={value}"
