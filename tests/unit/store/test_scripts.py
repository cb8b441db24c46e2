"""What the Lua scripts must agree on with the Python side, where they cannot import it."""

from __future__ import annotations

import re
from importlib import resources

from joblook.record import TERMINAL_STATES, State


def script(name: str) -> str:
    return resources.files("joblook.store").joinpath(name).read_text()


def test_append_script_ends_a_task_in_exactly_the_terminal_states() -> None:
    (table,) = re.findall(r"^local TERMINAL = \{(.*)\}$", script("append.lua"), re.MULTILINE)
    assert set(re.findall(r"(\w+) = true", table)) == TERMINAL_STATES


def test_every_state_the_scripts_write_or_compare_is_a_state() -> None:
    for name in ("append.lua", "lost.lua"):
        compared = re.findall(r"(?:state'?\)? [~=]= |'state', )'([A-Z]+)'", script(name))
        assert compared, f"no state found in {name}: the pattern no longer reads it"
        assert set(compared) <= {s.value for s in State}
