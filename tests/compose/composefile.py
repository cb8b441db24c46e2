"""Reading docker-compose.yml the way the contract tests need it, without a Docker engine.

Values are kept as written, ``${VAR:-default}`` interpolations included: the tests compare them
with what the other files expect, and list the variables they reference.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

# ${NAME}, ${NAME:-default}, ${NAME:?message}, ... and bare $NAME; "$$" is a literal dollar sign.
_VARIABLE = re.compile(r"\$(?:\{(?P<braced>[A-Za-z_]\w*)|(?P<bare>[A-Za-z_]\w*))")


@dataclass(frozen=True)
class Mount:
    source: str
    target: str
    read_only: bool


class _ComposeLoader(yaml.SafeLoader):
    """PyYAML's safe loader plus Compose's merge tags: ``!reset`` (drop what ``extends`` brought)
    and ``!override`` (replace it instead of merging), loaded as the plain value they tag."""


def _untagged(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)  # type: ignore[arg-type]


for _tag in ("!reset", "!override"):
    _ComposeLoader.add_constructor(_tag, _untagged)


def load(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as file:
        return yaml.load(file, Loader=_ComposeLoader)  # noqa: S506 (a SafeLoader subclass)


def reset_keys(path: Path) -> dict[str, list[str]]:
    """Per service, the keys a compose file resets with ``!reset`` (what ``extends`` brought)."""
    root = yaml.compose(path.read_text(encoding="utf-8"), Loader=_ComposeLoader)
    found: dict[str, list[str]] = {}
    for key, value in root.value:
        if key.value == "services":
            for name, service in value.value:
                resets = [k.value for k, v in service.value if v.tag == "!reset"]
                found[name.value] = resets
    return found


def environment(service: dict[str, Any]) -> dict[str, str]:
    """A service's ``environment`` as a dict, from either the mapping or the list form."""
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        result = {}
        for item in raw:
            key, _, value = item.partition("=")
            result[key] = value
        return result
    return {key: "" if value is None else str(value) for key, value in raw.items()}


# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?message}, ${NAME?message}
_INTERPOLATION = re.compile(r"\$\{(?P<name>[A-Za-z_]\w*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def resolved_environment(service: dict[str, Any]) -> dict[str, str]:
    """A service's environment as the container would see it with an empty ``.env``: defaults
    taken, and a placeholder for each required secret (compose would refuse to start without)."""

    return {key: resolved(value) for key, value in environment(service).items()}


def resolved(value: Any) -> str:
    """``value`` as compose would interpolate it with an empty ``.env``: defaults taken, and a
    placeholder ``<NAME>`` for each required variable."""

    def resolve(match: re.Match[str]) -> str:
        op, arg = match.group("op"), match.group("arg")
        if op in (":-", "-"):
            return arg
        if op in (":?", "?"):
            return f"<{match.group('name')}>"
        return ""

    return _INTERPOLATION.sub(resolve, str(value))


def tmpfs(service: dict[str, Any]) -> dict[str, str]:
    """A service's tmpfs mounts, target -> options ("" when none), from the ``tmpfs`` key (a
    string or a list of "path[:options]") and from long-syntax ``volumes`` of type tmpfs."""
    raw = service.get("tmpfs") or []
    result = {}
    for entry in [raw] if isinstance(raw, str) else raw:
        target, _, options = entry.partition(":")
        result[target] = options
    for entry in service.get("volumes") or []:
        if isinstance(entry, dict) and entry.get("type") == "tmpfs":
            result[entry["target"]] = ""
    return result


def duplicate_keys(text: str) -> list[str]:
    """Mapping keys that appear twice in one mapping of a YAML document. PyYAML keeps the last one
    silently; docker compose (Go's yaml.v3) refuses the whole file."""
    found = []
    nodes = [yaml.compose(text, Loader=yaml.SafeLoader)]
    while nodes:
        node = nodes.pop()
        if isinstance(node, yaml.MappingNode):
            seen = set()
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value != "<<":
                    if key.value in seen:
                        found.append(f"{key.value} (line {key.start_mark.line + 1})")
                    seen.add(key.value)
                nodes.append(value)
        elif isinstance(node, yaml.SequenceNode):
            nodes.extend(node.value)
    return found


def mounts(service: dict[str, Any]) -> list[Mount]:
    """A service's ``volumes``, from the short ("src:dst[:ro]") or the long syntax."""
    result = []
    for entry in service.get("volumes") or []:
        if isinstance(entry, dict):
            read_only = bool(entry.get("read_only"))
            result.append(Mount(entry.get("source", ""), entry["target"], read_only))
        else:
            source, target, *options = entry.split(":")
            read_only = "ro" in ",".join(options).split(",")
            result.append(Mount(source, target, read_only))
    return result


def variables(value: str) -> list[str]:
    """Names of the variables that compose interpolates into ``value``."""
    value = value.replace("$$", "")
    return [match["braced"] or match["bare"] for match in _VARIABLE.finditer(value)]


def strings(node: Any) -> Iterator[str]:
    """Every string anywhere in a loaded YAML document (mapping keys excluded)."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from strings(item)
