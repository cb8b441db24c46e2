"""GET /tasks/ID/artifacts and the downloads: listed files only, safe headers, clear 4xx."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from joblook import record
from joblook.store.artifacts.backends import DirectoryStore
from joblook.store.artifacts.manifest import Kept, Manifest, Skipped
from joblook.store.logstore import LogStore

SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.fixture
def task_id(store: LogStore, tmp_path: Path) -> str:
    """A task that kept an SVG, a CSV in a folder, and left a file out over the cap."""
    task = record.new_task_id()
    store.create_task(task, "python train.py")
    artifacts = DirectoryStore(tmp_path / "artifacts")
    artifacts.put_file(task, "loss.svg", io.BytesIO(SVG), len(SVG))
    artifacts.put_file(task, "out/m.csv", io.BytesIO(b"a,b\n1,2\n"), 8)
    files = [Kept("loss.svg", len(SVG), "image/svg+xml"), Kept("out/m.csv", 8, "text/csv")]
    skipped = [Skipped("big.bin", 500, "over JOBLOOK_MAX_ARTIFACT_BYTES (100 bytes per task)")]
    artifacts.put_manifest(task, Manifest(files, skipped, 100, None))
    (tmp_path / "artifacts" / "outside.txt").write_text("not an artifact")
    return task


def test_the_list_names_each_file_with_its_size_and_type_and_what_was_left_out(
    client: FlaskClient, task_id: str
) -> None:
    reply = client.get(f"/tasks/{task_id}/artifacts")
    assert reply.status_code == 200
    body = reply.get_json()
    assert body["files"] == [
        {"name": "loss.svg", "size": len(SVG), "type": "image/svg+xml"},
        {"name": "out/m.csv", "size": 8, "type": "text/csv"},
    ]
    assert body["skipped"][0]["name"] == "big.bin"
    assert body["total_bytes"] == len(SVG) + 8 and body["max_bytes"] == 100


def test_a_task_without_artifacts_lists_none(client: FlaskClient, store: LogStore) -> None:
    task = record.new_task_id()
    store.create_task(task, "true")
    assert client.get(f"/tasks/{task}/artifacts").get_json()["files"] == []


def test_an_svg_downloads_as_a_sandboxed_attachment_that_is_never_sniffed(
    client: FlaskClient, task_id: str
) -> None:
    reply = client.get(f"/tasks/{task_id}/artifacts/loss.svg")
    assert reply.status_code == 200
    assert reply.data == SVG
    assert reply.headers["Content-Type"] == "image/svg+xml"
    assert reply.headers["Content-Disposition"] == "attachment; filename*=UTF-8''loss.svg"
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert reply.headers["Content-Security-Policy"].startswith("sandbox;")
    assert "script-src" not in reply.headers["Content-Security-Policy"]


def test_a_text_file_in_a_folder_downloads_with_its_charset(
    client: FlaskClient, task_id: str
) -> None:
    reply = client.get(f"/tasks/{task_id}/artifacts/out/m.csv")
    assert reply.status_code == 200
    assert reply.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert reply.data == b"a,b\n1,2\n"


@pytest.mark.parametrize(
    "path",
    ["../outside.txt", "out/../../outside.txt", "..%2Foutside.txt", "loss%00.svg", "a%5C..%5Cb"],
)
def test_a_name_that_leaves_the_artifacts_is_refused_with_400(
    client: FlaskClient, task_id: str, path: str
) -> None:
    reply = client.get(f"/tasks/{task_id}/artifacts/{path}")
    assert reply.status_code == 400, reply.data
    assert "artifact name" in reply.get_json()["error"]
    assert b"not an artifact" not in reply.data


def test_a_file_the_task_did_not_keep_is_404_even_if_it_is_on_disk(
    client: FlaskClient, task_id: str, tmp_path: Path
) -> None:
    (tmp_path / "artifacts" / task_id / "files" / "planted.txt").write_text("planted")
    for name in ("planted.txt", "big.bin"):
        reply = client.get(f"/tasks/{task_id}/artifacts/{name}")
        assert reply.status_code == 404
        assert reply.get_json()["error"] == "no such artifact"


def test_an_unknown_or_malformed_task_is_a_json_4xx(client: FlaskClient) -> None:
    assert client.get(f"/tasks/{record.new_task_id()}/artifacts").status_code == 404
    assert client.get("/tasks/not-a-task/artifacts/x.png").status_code == 400


def test_artifacts_expire_with_the_log(
    client: FlaskClient, store: LogStore, tmp_path: Path
) -> None:
    task = record.new_task_id()
    store.create_task(task, "true")
    artifacts = DirectoryStore(tmp_path / "artifacts")
    artifacts.put_file(task, "a.txt", io.BytesIO(b"a"), 1)
    artifacts.put_manifest(
        task, Manifest([Kept("a.txt", 1, "text/plain")], [], 10, time.time() - 1)
    )
    assert client.get(f"/tasks/{task}/artifacts").get_json()["files"] == []
    assert client.get(f"/tasks/{task}/artifacts/a.txt").status_code == 404
