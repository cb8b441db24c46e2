"""A small reader for Fluentd's configuration syntax: enough for joblook's fluent.conf.

::

    <section argument>     opens a section (source, match, buffer, parse, label, ...)
      key value            a parameter; a "double-quoted" value is unquoted, #{...} kept as written
    </section>

Full-line comments are skipped, and so is a whitespace-then-``#`` comment after an unquoted value,
as Fluentd does. A quoted ``#{ENV['NAME'] || 'default'}`` reads as its default: it is how the one
file takes local values outside containers, and compose sets none of those variables (a contract
test checks that). Multi-line values and ``@include`` are not supported: the reader raises
rather than guess.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

_OPEN = re.compile(r"<(?P<name>[\w@]+)(?:\s+(?P<argument>[^>]*))?>")
_CLOSE = re.compile(r"</(?P<name>[\w@]+)>")
# Embedded Ruby reading a variable with a fallback: "#{ENV['NAME'] || 'default'}".
_ENV_DEFAULT = re.compile(r"""#\{ENV\[\s*'(?P<name>\w+)'\s*\]\s*\|\|\s*'(?P<default>[^']*)'\s*\}""")
_SIZE_UNITS = {"k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


class FluentConfError(ValueError):
    """Text this reader does not understand; the message gives the line number."""


@dataclass
class Section:
    name: str
    argument: str = ""
    params: dict[str, str] = field(default_factory=dict)
    sections: list[Section] = field(default_factory=list)

    def all(self, name: str, argument: str | None = None) -> list[Section]:
        """The direct subsections called ``name`` (with that argument, when one is given)."""
        return [
            section
            for section in self.sections
            if section.name == name and (argument is None or section.argument == argument)
        ]

    def one(self, name: str, argument: str | None = None) -> Section:
        """The single direct subsection called ``name``; raises LookupError unless exactly one."""
        found = self.all(name, argument)
        if len(found) != 1:
            wanted = f"<{name} {argument}>" if argument is not None else f"<{name}>"
            raise LookupError(f"expected one {wanted} in <{self.name}>, found {len(found)}")
        return found[0]

    def walk(self) -> Iterator[Section]:
        """This section and every section inside it, depth first."""
        yield self
        for section in self.sections:
            yield from section.walk()

    @property
    def type(self) -> str | None:
        return self.params.get("@type")


def parse(text: str) -> Section:
    """The configuration as a tree under a root section named ``ROOT``."""
    root = Section("ROOT")
    stack = [root]
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if closing := _CLOSE.fullmatch(line):
            if len(stack) == 1 or stack[-1].name != closing["name"]:
                raise FluentConfError(f"line {number}: unexpected {line}")
            stack.pop()
        elif opening := _OPEN.fullmatch(line):
            section = Section(opening["name"], (opening["argument"] or "").strip())
            stack[-1].sections.append(section)
            stack.append(section)
        else:
            key, _, value = line.partition(" ")
            if key in stack[-1].params:
                raise FluentConfError(f"line {number}: {key} is set twice in <{stack[-1].name}>")
            stack[-1].params[key] = _value(value.strip(), number)
    if len(stack) > 1:
        raise FluentConfError(f"<{stack[-1].name}> is never closed")
    return root


def _value(text: str, number: int) -> str:
    if text.startswith('"'):
        if len(text) < 2 or not text.endswith('"'):
            raise FluentConfError(f"line {number}: unterminated or multi-line quoted value")
        return _ENV_DEFAULT.sub(r"\g<default>", re.sub(r"\\(.)", _unescape, text[1:-1]))
    value = re.split(r"\s+#", text, maxsplit=1)[0]
    if value[:1] in ("[", "{") and value[-1:] not in ("]", "}"):
        raise FluentConfError(f"line {number}: multi-line values are not supported")
    return value


def _unescape(match: re.Match[str]) -> str:
    return {"n": "\n", "t": "\t", "r": "\r"}.get(match[1], match[1])


def defaulted_variables(text: str) -> dict[str, str]:
    """Variables the configuration reads with a fallback, ``ENV['NAME'] || 'default'``: name ->
    default."""
    return {m["name"]: m["default"] for m in _ENV_DEFAULT.finditer(text)}


def size_bytes(value: str) -> int:
    """A Fluentd size ("2m", "512k", "1g", "1000") in bytes; units are powers of 1024."""
    unit = _SIZE_UNITS.get(value[-1:].lower())
    return int(float(value[:-1]) * unit) if unit else int(value)


def env_variables(value: str) -> list[str]:
    """Environment variables that embedded Ruby in ``value`` reads: ENV['X'] or ENV.fetch('X')."""
    return re.findall(r"""ENV(?:\[|\.fetch\()\s*["'](\w+)["']""", value)


def tag_matches(pattern: str, tag: str) -> bool:
    """Whether a ``<match pattern>`` argument matches ``tag``, as Fluentd decides it: alternatives
    separated by spaces, ``*`` one tag part, ``**`` zero or more parts (``a.**`` matches ``a``
    too). Braces are not supported: the reader raises rather than guess."""
    if "{" in pattern:
        raise FluentConfError(f"brace patterns are not supported: {pattern}")
    return any(re.fullmatch(_tag_regex(one), tag) for one in pattern.split())


def _tag_regex(pattern: str) -> str:
    pieces = re.split(r"(\.\*\*|\*\*\.|\*\*|\*)", pattern)
    wildcards = {".**": r"(?:\..*)?", "**.": r"(?:.*\.)?", "**": ".*", "*": r"[^.]+"}
    return "".join(wildcards.get(piece, re.escape(piece)) for piece in pieces)
