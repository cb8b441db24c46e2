"""A gate a test command waits at, opened by the test."""

from __future__ import annotations

from pathlib import Path


class Gate:
    """A command that runs until the test opens its gate, so a page surely sees it running,
    however slowly the page loads."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "open"

    def then(self, rest: str) -> str:
        return f"for i in $(seq 600); do [ -e {self.path} ] && break; sleep 0.05; done; {rest}"

    def open(self) -> None:
        self.path.touch()
