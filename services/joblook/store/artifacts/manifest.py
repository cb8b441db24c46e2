"""What a task kept: the manifest the worker writes beside its artifacts and the web lists."""

from __future__ import annotations

import mimetypes
from dataclasses import asdict, dataclass, field

import orjson

# Shown as text (and previewed on the page) whatever mimetypes says about them.
TEXT_SUFFIXES = (".log", ".txt", ".md", ".csv", ".tsv", ".json", ".jsonl", ".yaml", ".yml")


@dataclass(frozen=True)
class Kept:
    """One stored file: its name under the task, its size and its media type."""

    name: str
    size: int
    type: str


@dataclass(frozen=True)
class Skipped:
    """A file the worker found but did not keep, and why (over the cap, a link out...)."""

    name: str
    size: int | None
    reason: str


@dataclass(frozen=True)
class Manifest:
    """Every artifact of one task; ``expires_at`` (epoch seconds) follows JOBLOOK_LOG_TTL."""

    files: list[Kept] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    max_bytes: int = 0
    expires_at: float | None = None

    def find(self, name: str) -> Kept | None:
        """The kept file called ``name``, if there is one."""
        return next((kept for kept in self.files if kept.name == name), None)

    def to_json(self) -> dict[str, object]:
        return {
            "files": [asdict(kept) for kept in self.files],
            "skipped": [asdict(skipped) for skipped in self.skipped],
            "max_bytes": self.max_bytes,
            "total_bytes": sum(kept.size for kept in self.files),
        }

    def dumps(self) -> bytes:
        return orjson.dumps(self.to_json() | {"expires_at": self.expires_at})

    @classmethod
    def loads(cls, raw: bytes) -> Manifest:
        data = orjson.loads(raw)
        return cls(
            files=[Kept(**kept) for kept in data.get("files", [])],
            skipped=[Skipped(**skipped) for skipped in data.get("skipped", [])],
            max_bytes=int(data.get("max_bytes") or 0),
            expires_at=data.get("expires_at"),
        )


def media_type(name: str) -> str:
    """The type a download is served with: by suffix, ``application/octet-stream`` if unknown."""
    lowered = name.lower()
    if lowered.endswith(".csv"):
        return "text/csv"
    if lowered.endswith(TEXT_SUFFIXES):
        return "application/json" if lowered.endswith(".json") else "text/plain"
    guessed, _encoding = mimetypes.guess_type(lowered, strict=False)
    return guessed or "application/octet-stream"
