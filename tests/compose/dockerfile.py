"""A small Dockerfile reader: instructions grouped into build stages, continuations joined.

Enough to check the structure of joblook's image (order of steps, ENV, USER, CMD, COPY --from);
hadolint does the linting.
"""

from __future__ import annotations

import json
import posixpath
import shlex
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper case: FROM, RUN, COPY, ...
    arguments: str
    line: int


@dataclass(frozen=True)
class Copy:
    from_stage: str | None
    sources: list[str]
    destination: str  # absolute: a relative destination is resolved against WORKDIR


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def find(self, keyword: str) -> list[Instruction]:
        return [each for each in self.instructions if each.keyword == keyword]

    def env(self) -> dict[str, str]:
        """Variables set with ``ENV KEY=value ...`` (the legacy ``ENV KEY value`` form too)."""
        variables: dict[str, str] = {}
        for each in self.find("ENV"):
            words = shlex.split(each.arguments)
            if "=" not in words[0]:
                variables[words[0]] = " ".join(words[1:])
                continue
            for word in words:
                key, _, value = word.partition("=")
                variables[key] = value
        return variables

    @property
    def user(self) -> str | None:
        users = self.find("USER")
        return users[-1].arguments.strip() if users else None

    @property
    def cmd(self) -> list[str] | str | None:
        """The last CMD: a list in exec form (JSON array), the raw string in shell form."""
        commands = self.find("CMD")
        if not commands:
            return None
        text = commands[-1].arguments.strip()
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError:
            return text
        return parsed if isinstance(parsed, list) else text

    def copies(self) -> list[Copy]:
        result = []
        workdir = "/"
        for each in self.instructions:
            if each.keyword == "WORKDIR":
                workdir = posixpath.join(workdir, each.arguments.strip())
            elif each.keyword == "COPY":
                flags: dict[str, str] = {}
                paths: list[str] = []
                for word in shlex.split(each.arguments):
                    if word.startswith("--"):  # --from=stage, --chown=...
                        key, _, value = word[2:].partition("=")
                        flags[key] = value
                    else:
                        paths.append(word)
                destination = posixpath.normpath(posixpath.join(workdir, paths[-1]))
                result.append(Copy(flags.get("from"), paths[:-1], destination))
        return result


def parse(text: str) -> list[Stage]:
    """The stages in order; ARG lines before the first FROM are skipped."""
    stages: list[Stage] = []
    for instruction in _instructions(text):
        if instruction.keyword == "FROM":
            words = instruction.arguments.split()
            words = [word for word in words if not word.startswith("--")]  # --platform=...
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            stages.append(Stage(base=words[0], name=name))
        elif stages:
            stages[-1].instructions.append(instruction)
        elif instruction.keyword != "ARG":
            raise ValueError(f"line {instruction.line}: {instruction.keyword} before any FROM")
    return stages


def _instructions(text: str) -> list[Instruction]:
    result: list[Instruction] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):  # comments, parser directives, blank lines
            continue
        if not pending:
            start = number
        continued = line.endswith("\\")
        pending.append(line[:-1].strip() if continued else line)
        if not continued:
            keyword, _, arguments = " ".join(pending).partition(" ")
            result.append(Instruction(keyword.upper(), arguments.strip(), start))
            pending = []
    if pending:
        raise ValueError(f"line {start}: the file ends inside a continued instruction")
    return result
