"""Which environment variables joblook's settings module reads, found by parsing its source.

Two spellings are recognised, the ones settings.py uses: ``env.get("NAME")`` (with a default when
it has a second argument or is the left side of ``or``) and a parsing helper called as
``_helper(env, "NAME", ...)`` (``_int``, ``_seconds``, ...), which always handles an unset value.
"""

from __future__ import annotations

import ast
from pathlib import Path


def read_variables(settings_py: Path) -> dict[str, bool]:
    """Variable name -> whether the settings fall back to a default when it is unset or empty."""
    tree = ast.parse(settings_py.read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found: dict[str, bool] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and (read := _variable_read(node, parents.get(node))):
            name, has_default = read
            found[name] = found.get(name, False) or has_default
    return found


def _variable_read(call: ast.Call, parent: ast.AST | None) -> tuple[str, bool] | None:
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr == "get" and _is_name(func.value, "env"):
        name = _string(call.args[0]) if call.args else None
        left_of_or = (
            isinstance(parent, ast.BoolOp)
            and isinstance(parent.op, ast.Or)
            and parent.values[0] is call
        )
        return (name, len(call.args) > 1 or left_of_or) if name else None
    if len(call.args) >= 2 and _is_name(call.args[0], "env"):
        name = _string(call.args[1])
        return (name, True) if name else None
    return None


def _is_name(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _string(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None
