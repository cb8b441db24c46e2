"""A command's ``$JOBLOOK_ARTIFACTS``: a fresh directory before it runs, kept when it ends.

The worker makes the directory, the command fills it, and once the command has ended (before the
task's terminal status is written, so a page that sees the end finds the artifacts) every regular
file in it is copied to the artifact store, in name order, while the task's total stays within
``JOBLOOK_MAX_ARTIFACT_BYTES``. A file that would pass the cap is left out and listed as skipped
with the reason, and so is anything that is not a regular file inside the directory (a link
pointing out of it, a FIFO). Then the directory is removed.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from joblook.settings import Settings
from joblook.store.artifacts.backends import ArtifactStore, expiry, open_store, s3_options
from joblook.store.artifacts.manifest import Kept, Manifest, Skipped, media_type
from joblook.store.artifacts.names import BadArtifactName, checked_name

log = logging.getLogger(__name__)

ENV_NAME = "JOBLOOK_ARTIFACTS"
MAX_FILES = 1_000  # files one task keeps at most: what bounds a listing and the page's panel


@dataclass
class Found:
    """What the walk of a command's directory found: files to keep (name, path, size) and not."""

    files: list[tuple[str, Path, int]] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


class Workspace:
    """The directory one command gets, and keeping what it holds when the command ends."""

    def __init__(self, task_id: str, work_root: Path, store: ArtifactStore, max_bytes: int,
                 expires_at: float | None) -> None:  # fmt: skip
        work_root.mkdir(parents=True, exist_ok=True)
        self.task_id = task_id
        self.directory = Path(tempfile.mkdtemp(prefix=f"{task_id}-", dir=work_root))
        self._store = store
        self._max_bytes = max_bytes
        self._expires_at = expires_at

    def keep(self) -> Manifest:
        """Copy what the command left to the store and write the manifest; returns it."""
        found = collect(self.directory, self._max_bytes)
        kept: list[Kept] = []
        for name, path, size in found.files:
            try:
                with open_inside(path, self.directory) as source:
                    self._store.put_file(self.task_id, name, source, size)
            except OSError as exc:
                found.skipped.append(Skipped(name, size, f"could not be read: {exc.strerror}"))
                continue
            kept.append(Kept(name, size, media_type(name)))
        manifest = Manifest(kept, found.skipped, self._max_bytes, self._expires_at)
        if kept or found.skipped:
            self._store.put_manifest(self.task_id, manifest)
        for skipped in found.skipped:
            log.warning("task %s: artifact %r not kept: %s", self.task_id, skipped.name,
                        skipped.reason)  # fmt: skip
        return manifest

    def remove(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


@dataclass(frozen=True)
class ArtifactOptions:
    """Where a worker keeps artifacts, how many bytes per task, and for how long."""

    store: ArtifactStore
    max_bytes: int
    log_ttl: float | None
    work_root: Path

    @contextmanager
    def workspace(self, task_id: str) -> Iterator[Workspace]:
        """A fresh directory for ``task_id``'s command; removed (and old artifacts pruned) after."""
        workspace = Workspace(task_id, self.work_root, self.store, self.max_bytes,
                              expiry(self.log_ttl))  # fmt: skip
        try:
            yield workspace
        finally:
            workspace.remove()
            try:
                self.store.prune(time.time())
            except OSError:
                log.exception("could not prune expired artifacts")


def collect(root: Path, max_bytes: int) -> Found:
    """The regular files under ``root`` to keep, in name order, within ``max_bytes`` together."""
    found, total = Found(), 0
    for name, path in sorted(_walk(root, found)):
        size = path.lstat().st_size
        if len(found.files) >= MAX_FILES:
            found.skipped.append(Skipped(name, size, f"more than {MAX_FILES} files"))
        elif total + size > max_bytes:
            reason = f"over JOBLOOK_MAX_ARTIFACT_BYTES ({max_bytes} bytes per task)"
            found.skipped.append(Skipped(name, size, reason))
        else:
            found.files.append((name, path, size))
            total += size
    return found


def _walk(root: Path, found: Found) -> Iterator[tuple[str, Path]]:
    """Regular files under ``root`` (links are never followed); the rest goes to skipped."""
    for folder, dirnames, filenames in os.walk(root, followlinks=False):
        for entry in [*filenames, *(d for d in dirnames if os.path.islink(Path(folder, d)))]:
            path = Path(folder, entry)
            name = path.relative_to(root).as_posix()
            try:
                checked_name(name)
            except BadArtifactName as exc:
                found.skipped.append(Skipped(name, None, str(exc)))
                continue
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                found.skipped.append(Skipped(name, None, "a symbolic link: links are not kept"))
            elif not stat.S_ISREG(mode):
                found.skipped.append(Skipped(name, None, "not a regular file"))
            else:
                yield name, path


def open_inside(path: Path, root: Path) -> BinaryIO:
    """Open ``path`` for reading if it is still a regular file inside ``root``.

    Between the walk and this open, a process the command left behind could swap the file, or a
    folder on its path, for a link out of the directory: O_NOFOLLOW refuses a link as the last
    part, and the opened file's real path must still lie under ``root``.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    try:
        real = Path(os.readlink(f"/proc/self/fd/{fd}"))
        if not real.is_relative_to(root.resolve()) or not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EXDEV, "it moved out of the directory")
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")


def artifact_options(settings: Settings) -> ArtifactOptions:
    """The worker's artifact options from its settings; the command's directory is made under
    the system's temporary directory (``$TMPDIR``)."""
    return ArtifactOptions(
        store=open_store(settings.artifacts_url, s3_options(settings)),
        max_bytes=settings.max_artifact_bytes,
        log_ttl=settings.log_ttl,
        work_root=Path(tempfile.gettempdir()) / "joblook-artifacts",
    )
