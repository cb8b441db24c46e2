"""Keeping a command's $JOBLOOK_ARTIFACTS: what is kept, what is left out and why."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from joblook.record import State
from joblook.store.artifacts.backends import DirectoryStore
from joblook.store.artifacts.manifest import Manifest
from joblook.worker.artifacts import ArtifactOptions, collect, open_inside
from joblook.worker.runner import execute

TASK = "4f1c2a9e-1111-4222-8333-444455556666"


def _options(
    tmp_path: Path, max_bytes: int = 1_000_000, ttl: float | None = None
) -> ArtifactOptions:
    return ArtifactOptions(DirectoryStore(tmp_path / "store"), max_bytes, ttl, tmp_path / "work")


def test_the_command_gets_a_fresh_directory_and_what_it_leaves_is_kept(tmp_path: Path) -> None:
    options = _options(tmp_path)
    script = 'cd "$JOBLOOK_ARTIFACTS" && mkdir plots && printf png > plots/loss.png'
    script += " && printf a,b > m.csv"
    with options.workspace(TASK) as workspace:
        outcome = execute(TASK, script, tmp_path / "logs", artifacts=workspace)
        directory = workspace.directory
    assert outcome.state is State.SUCCESS
    assert not directory.exists(), "the command's directory is removed once kept"
    manifest = options.store.manifest(TASK)
    assert manifest is not None
    assert [(f.name, f.size, f.type) for f in manifest.files] == [
        ("m.csv", 3, "text/csv"),
        ("plots/loss.png", 3, "image/png"),
    ]
    assert b"".join(options.store.read(TASK, "plots/loss.png")) == b"png"


def test_artifacts_are_kept_before_the_terminal_status_is_written(tmp_path: Path) -> None:
    options = _options(tmp_path)
    seen: list[bool] = []
    with options.workspace(TASK) as workspace:
        original = workspace.keep

        def keep() -> Manifest:
            seen.append((tmp_path / "logs" / f"{TASK}.jsonl").read_text().count('"SUCCESS"') == 0)
            return original()

        workspace.keep = keep  # type: ignore[method-assign]
        execute(TASK, 'touch "$JOBLOOK_ARTIFACTS/x"', tmp_path / "logs", artifacts=workspace)
    assert seen == [True]


def test_files_past_the_cap_are_left_out_and_listed_with_the_reason(tmp_path: Path) -> None:
    root = tmp_path / "dir"
    root.mkdir()
    (root / "a.bin").write_bytes(b"x" * 60)
    (root / "b.bin").write_bytes(b"x" * 60)
    (root / "c.bin").write_bytes(b"x" * 40)
    found = collect(root, max_bytes=100)
    assert [name for name, _path, _size in found.files] == ["a.bin", "c.bin"]
    assert [(s.name, s.size) for s in found.skipped] == [("b.bin", 60)]
    assert "JOBLOOK_MAX_ARTIFACT_BYTES" in found.skipped[0].reason


def test_a_link_out_of_the_directory_is_not_followed_nor_kept(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("the worker's secret")
    root = tmp_path / "dir"
    root.mkdir()
    (root / "leak.txt").symlink_to(secret)
    (root / "leakdir").symlink_to(tmp_path)
    os.mkfifo(root / "pipe")
    found = collect(root, max_bytes=10_000)
    assert found.files == []
    reasons = {s.name: s.reason for s in found.skipped}
    assert set(reasons) == {"leak.txt", "leakdir", "pipe"}
    assert "link" in reasons["leak.txt"] and "regular" in reasons["pipe"]


def test_a_task_that_leaves_nothing_writes_no_manifest(tmp_path: Path) -> None:
    options = _options(tmp_path)
    with options.workspace(TASK) as workspace:
        execute(TASK, "true", tmp_path / "logs", artifacts=workspace)
    assert options.store.manifest(TASK) is None


def test_expired_artifacts_are_pruned_and_others_stay(tmp_path: Path) -> None:
    store = DirectoryStore(tmp_path / "store")
    other = "5f1c2a9e-1111-4222-8333-444455556666"
    store.put_manifest(TASK, Manifest(expires_at=100.0))
    store.put_manifest(other, Manifest(expires_at=300.0))
    assert store.prune(now=200.0) == 1
    assert store.manifest(TASK) is None
    assert store.manifest(other) is not None


def test_the_store_refuses_a_task_id_that_could_name_another_path(tmp_path: Path) -> None:
    store = DirectoryStore(tmp_path / "store")
    with pytest.raises(ValueError, match="not a task id"):
        store.manifest("../etc")


def test_a_folder_swapped_for_a_link_after_the_walk_is_not_read_through(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "f.txt").write_text("the worker's secret")
    root = tmp_path / "dir"
    root.mkdir()
    (root / "plots").symlink_to(outside)  # what a leftover process could do after the walk
    with pytest.raises(OSError, match="moved out of the directory"):
        open_inside(root / "plots" / "f.txt", root)
