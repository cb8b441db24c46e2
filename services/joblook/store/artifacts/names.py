"""Artifact names: relative POSIX paths inside a task's directory, checked once, here.

A name comes from a request path or from the worker's walk of the command's directory; either way
it becomes part of a file path or an object key, so anything that could step outside the task's
own place is refused: a NUL, an absolute path, ``..``, a backslash, an empty part.
"""

from __future__ import annotations

MAX_NAME_BYTES = 1024  # S3 keys stop at 1,024 bytes; a directory store keeps the same bound


class BadArtifactName(ValueError):
    """A name that does not stay inside the task's artifacts."""


def checked_name(raw: str) -> str:
    """``raw`` as a safe relative name (``a/b.png``); BadArtifactName says why it is not one."""
    if not raw:
        raise BadArtifactName("an artifact name must not be empty")
    if "\0" in raw:
        raise BadArtifactName("an artifact name must not contain NUL")
    if "\\" in raw:
        raise BadArtifactName("an artifact name must not contain a backslash")
    if raw.startswith("/"):
        raise BadArtifactName("an artifact name must be relative, not absolute")
    if len(raw.encode("utf-8", "surrogateescape")) > MAX_NAME_BYTES:
        raise BadArtifactName(f"an artifact name must be at most {MAX_NAME_BYTES} bytes")
    parts = raw.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise BadArtifactName("an artifact name must not contain '..', '.' or an empty part")
    if any(ord(char) < 0x20 for char in raw):
        raise BadArtifactName("an artifact name must not contain control characters")
    return raw
