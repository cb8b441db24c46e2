"""Secret names and values, once: what the API, the CLI, the jobs file and the store accept.

A secret's name is the environment variable its command sees, so it is written as one:
capitals, digits and ``_``, not starting with a digit. Lower case is refused, not folded, so a
name means one secret wherever it is written.
"""

from __future__ import annotations

import re

NAME_PATTERN = r"^[A-Z_][A-Z0-9_]{0,63}$"
"""Capitals, digits and ``_``, 1 to 64 of them, not starting with a digit."""
NAME_RULE = "a secret's name is 1 to 64 capitals, digits or _, not starting with a digit"
MIN_VALUE_BYTES = 4
"""Shorter values would be masked wherever they happen to occur in the output."""
MAX_VALUE_BYTES = 8 * 1024
"""A password, a token or a key file; the longer the value, the longer the masker's look-back."""
MAX_PER_TASK = 32
"""The most secrets one command may ask for."""


def valid_name(name: object) -> bool:
    return isinstance(name, str) and re.fullmatch(NAME_PATTERN, name) is not None
