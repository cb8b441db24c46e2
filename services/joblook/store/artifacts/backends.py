"""Where artifacts live: a directory (the default) or an S3-compatible bucket.

Both hold, per task, ``<task_id>/manifest.json`` and ``<task_id>/files/<name>``. The manifest is
written last, so a reader that finds it finds every file it lists. Names are checked
(``names.py``) before they reach a path or a key; the web serves only names a manifest lists.
"""

from __future__ import annotations

import logging
import os
import random
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol
from urllib.parse import urlsplit

from joblook.settings import Settings
from joblook.store.artifacts.manifest import Manifest
from joblook.store.artifacts.names import checked_name

log = logging.getLogger(__name__)

CHUNK = 256 * 1024  # bytes per read while copying or serving
MANIFEST = "manifest.json"
TASK_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}")
PRUNE_BATCH = 500  # task folders a prune looks at per call, picked at random


class ArtifactStore(Protocol):
    def put_file(self, task_id: str, name: str, source: BinaryIO, size: int) -> None: ...
    def put_manifest(self, task_id: str, manifest: Manifest) -> None: ...
    def manifest(self, task_id: str) -> Manifest | None: ...
    def read(self, task_id: str, name: str) -> Iterator[bytes]: ...
    def delete(self, task_id: str) -> None: ...
    def prune(self, now: float) -> int: ...


@dataclass(frozen=True)
class S3Options:
    """Where and as whom to reach an S3-compatible server; None: boto3's own defaults."""

    endpoint_url: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None
    region: str | None = None


def s3_options(settings: Settings) -> S3Options:
    """The S3 settings (``JOBLOOK_S3_*``), for an ``s3://`` artifacts address."""
    return S3Options(
        endpoint_url=settings.s3_endpoint_url,
        access_key_id=settings.s3_access_key_id,
        secret_access_key=settings.s3_secret_access_key,
        region=settings.s3_region,
    )


def open_store(url: str, s3: S3Options | None = None) -> ArtifactStore:
    """The store ``url`` names: ``s3://bucket/prefix``, ``file:///dir`` or a directory path."""
    parts = urlsplit(url)
    if parts.scheme == "s3":
        return S3Store(parts.netloc, parts.path.strip("/"), s3 or S3Options())
    if parts.scheme == "file":
        return DirectoryStore(Path(parts.path))
    return DirectoryStore(Path(url))


def _task_part(task_id: str) -> str:
    if not TASK_ID.fullmatch(task_id):
        raise ValueError(f"not a task id: {task_id!r}")
    return task_id


def _copy(source: BinaryIO, target: BinaryIO, size: int) -> None:
    """Copy exactly ``size`` bytes at most: a file still growing adds nothing past the cap."""
    left = size
    while left > 0:
        chunk = source.read(min(CHUNK, left))
        if not chunk:
            break
        target.write(chunk)
        left -= len(chunk)


class DirectoryStore:
    """Artifacts under one directory (a volume shared by workers and web in compose)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _task_dir(self, task_id: str) -> Path:
        return self.root / _task_part(task_id)

    def _file(self, task_id: str, name: str) -> Path:
        return self._task_dir(task_id) / "files" / checked_name(name)

    def put_file(self, task_id: str, name: str, source: BinaryIO, size: int) -> None:
        target = self._file(task_id, name)
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "wb") as out:
            _copy(source, out, size)

    def put_manifest(self, task_id: str, manifest: Manifest) -> None:
        folder = self._task_dir(task_id)
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / f".{MANIFEST}.partial"
        partial.write_bytes(manifest.dumps())
        os.replace(partial, folder / MANIFEST)  # readers see the whole manifest or none

    def manifest(self, task_id: str) -> Manifest | None:
        try:
            return Manifest.loads((self._task_dir(task_id) / MANIFEST).read_bytes())
        except FileNotFoundError:
            return None

    def read(self, task_id: str, name: str) -> Iterator[bytes]:
        path = self._file(task_id, name)
        # O_NOFOLLOW: the store holds regular files only; a link planted later is not followed.
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as source:
            yield from iter(lambda: source.read(CHUNK), b"")

    def delete(self, task_id: str) -> None:
        shutil.rmtree(self._task_dir(task_id), ignore_errors=True)

    def prune(self, now: float) -> int:
        """Delete the artifacts of tasks whose manifest has expired; returns how many."""
        removed = 0
        try:
            entries = list(os.scandir(self.root))
        except FileNotFoundError:
            return 0
        # A random batch: every folder's turn comes, however many stay unexpired.
        for entry in random.sample(entries, min(len(entries), PRUNE_BATCH)):
            if not entry.is_dir(follow_symlinks=False) or not TASK_ID.fullmatch(entry.name):
                continue
            manifest = self.manifest(entry.name)
            if (
                manifest is not None
                and manifest.expires_at is not None
                and manifest.expires_at < now
            ):
                self.delete(entry.name)
                removed += 1
        return removed


class S3Store:
    """Artifacts as objects under ``s3://bucket/prefix/``; expiry is the bucket's lifecycle rule
    (``prune`` does nothing), while the web refuses an expired manifest at once."""

    def __init__(self, bucket: str, prefix: str, options: S3Options) -> None:
        if not bucket:
            raise ValueError("an s3:// artifacts address needs a bucket: s3://bucket/prefix")
        self.bucket = bucket
        self.prefix = f"{prefix}/" if prefix else ""
        self._options = options
        self._client: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:  # made on first use: importing boto3 is slow, and few need it
            import boto3  # noqa: PLC0415

            self._client = boto3.client(
                "s3",
                endpoint_url=self._options.endpoint_url,
                aws_access_key_id=self._options.access_key_id,
                aws_secret_access_key=self._options.secret_access_key,
                region_name=self._options.region,
            )
        return self._client

    def ensure_bucket(self) -> bool:
        """Make the bucket unless this account already has it; True when this call made it."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
            return False
        except self.client.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket"):
                raise  # 403 and the rest: someone else's bucket, or wrong credentials
        region = self._options.region
        # Outside us-east-1 S3 wants the region restated; MinIO and moto accept it either way.
        where = {} if region in (None, "us-east-1") else {"LocationConstraint": region}
        self.client.create_bucket(
            Bucket=self.bucket, **({"CreateBucketConfiguration": where} if where else {})
        )
        return True

    def _key(self, task_id: str, name: str | None = None) -> str:
        base = f"{self.prefix}{_task_part(task_id)}/"
        return base + (MANIFEST if name is None else f"files/{checked_name(name)}")

    def put_file(self, task_id: str, name: str, source: BinaryIO, size: int) -> None:
        self.client.upload_fileobj(_Bounded(source, size), self.bucket, self._key(task_id, name))

    def put_manifest(self, task_id: str, manifest: Manifest) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(task_id), Body=manifest.dumps())

    def manifest(self, task_id: str) -> Manifest | None:
        try:
            reply = self.client.get_object(Bucket=self.bucket, Key=self._key(task_id))
        except self.client.exceptions.NoSuchKey:
            return None
        return Manifest.loads(reply["Body"].read())

    def read(self, task_id: str, name: str) -> Iterator[bytes]:
        reply = self.client.get_object(Bucket=self.bucket, Key=self._key(task_id, name))
        yield from reply["Body"].iter_chunks(CHUNK)

    def delete(self, task_id: str) -> None:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=f"{self.prefix}{_task_part(task_id)}/"
        )
        for page in pages:  # at most 1,000 keys a page, as delete_objects takes
            keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if keys:
                self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": keys})

    def prune(self, now: float) -> int:
        return 0


class _Bounded:
    """A file object that ends after ``size`` bytes, for boto3's upload."""

    def __init__(self, source: BinaryIO, size: int) -> None:
        self._source = source
        self._left = size

    def read(self, n: int = -1) -> bytes:
        want = self._left if n is None or n < 0 else min(n, self._left)
        chunk = self._source.read(want) if want > 0 else b""
        self._left -= len(chunk)
        return chunk


def expiry(log_ttl: float | None, now: float | None = None) -> float | None:
    """When artifacts kept now expire: with the log (JOBLOOK_LOG_TTL), or never."""
    return None if log_ttl is None else (time.time() if now is None else now) + log_ttl
