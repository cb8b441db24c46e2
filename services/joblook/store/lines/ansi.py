"""Terminal escape sequences, removed from a line's text to match and search it."""

from __future__ import annotations

import re

# CSI (colours, erase, cursor moves), OSC (titles, hyperlinks; ended by BEL or ST), the other
# two-character escapes, then a lone ESC.
_ESCAPE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[@-Z\\-_]"
    r"|\x1b"
)


def strip(text: str) -> str:
    """``text`` without its escape sequences (what a terminal prints, in characters)."""
    if "\x1b" not in text:  # most lines: no copy, no regex
        return text
    return _ESCAPE.sub("", text)
