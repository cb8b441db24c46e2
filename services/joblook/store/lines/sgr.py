"""The colours and styles (SGR state) a stream has left on, carried from one line into the next.

A terminal keeps a colour switched on by ``ESC[31m`` until something switches it off, however
many lines later. The page draws windows of lines from anywhere in a log, so each line is given
the state its stream left on before it: the page starts the line from that state (ansi_up then
holds it within the line). Only what the page draws is kept (bold, faint, italic, underline and
the foreground and background colours: ansi_up's set); other attributes are dropped.

A state is written as SGR parameters, ``"1;31"``; ``""`` is the default (nothing on).
"""

from __future__ import annotations

import re

_SGR = re.compile(r"\x1b\[([0-9;]*)m")
_STYLES = {1: "bold", 2: "faint", 3: "italic", 4: "underline"}
_OFF = {22: ("bold", "faint"), 23: ("italic",), 24: ("underline",)}
_ORDER = ("bold", "faint", "italic", "underline")
_CODES = {name: str(code) for code, name in _STYLES.items()}


def carry(state: str, text: str) -> str:
    """The state after ``text`` (with its escapes) is printed from ``state``."""
    if "\x1b[" not in text:  # most lines: nothing to do
        return state
    styles, fg, bg = _parse(state)
    for match in _SGR.finditer(text):
        params = [int(p) if p else 0 for p in match.group(1).split(";")]
        fg, bg = _apply(styles, fg, bg, params)
    return _write(styles, fg, bg)


def _parse(state: str) -> tuple[set[str], str, str]:
    styles: set[str] = set()
    fg = bg = ""
    if state:
        fg, bg = _apply(styles, fg, bg, [int(p) for p in state.split(";")])
    return styles, fg, bg


def _apply(styles: set[str], fg: str, bg: str, params: list[int]) -> tuple[str, str]:
    """Apply one escape's parameters (styles changes in place); the new colours."""
    i = 0
    while i < len(params):
        code = params[i]
        i += 1
        if code == 0:
            styles.clear()
            fg = bg = ""
        elif code in _STYLES:
            styles.add(_STYLES[code])
        elif code in _OFF:
            styles.difference_update(_OFF[code])
        elif 30 <= code <= 37 or 90 <= code <= 97:
            fg = str(code)
        elif 40 <= code <= 47 or 100 <= code <= 107:
            bg = str(code)
        elif code == 39:
            fg = ""
        elif code == 49:
            bg = ""
        elif code in (38, 48):
            colour, i = _extended(params, i)
            if colour is not None:
                fg, bg = (f"38;{colour}", bg) if code == 38 else (fg, f"48;{colour}")
    return fg, bg


def _extended(params: list[int], i: int) -> tuple[str | None, int]:
    """A 256-colour (``5;N``) or true colour (``2;R;G;B``) from ``params[i:]``; where it ends."""
    kind = params[i] if i < len(params) else None
    if kind == 5 and i + 1 < len(params):
        return f"5;{params[i + 1]}", i + 2
    if kind == 2 and i + 3 < len(params):
        return "2;" + ";".join(str(p) for p in params[i + 1 : i + 4]), i + 4
    return None, len(params)  # malformed: a terminal drops the rest of the escape too


def _write(styles: set[str], fg: str, bg: str) -> str:
    codes = [_CODES[name] for name in _ORDER if name in styles]
    return ";".join(codes + [colour for colour in (fg, bg) if colour])
