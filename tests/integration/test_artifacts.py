"""Artifacts with the real stack: what a command leaves in $JOBLOOK_ARTIFACTS is listed and
downloadable once it ends, capped per task, and nothing outside it can be reached; the same
through an S3-compatible server (moto_server, run as a real process)."""

from __future__ import annotations

import http.client
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from tests.support.processes import Service, free_port
from tests.support.stack import Stack, running_stack
from tests.support.waiting import wait_for

# A 1x1 PNG, written by the command with printf.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5d0a2a10000000049454e44ae426082"
)
CAP = 4096


def _command() -> str:
    png = "".join(f"\\{byte:03o}" for byte in PNG)
    return (
        'cd "$JOBLOOK_ARTIFACTS" && mkdir -p plots'
        f" && printf '{png}' > plots/loss.png"
        " && printf 'step,loss\\n1,0.9\\n2,0.5\\n' > metrics.csv"
        " && head -c 1000 /dev/zero > model.ckpt"
        " && head -c 5000 /dev/zero > zz-too-big.bin"
        " && ln -s /etc/passwd passwd && echo kept"
    )


@pytest.fixture(scope="module")
def artifact_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    env = {"JOBLOOK_MAX_ARTIFACT_BYTES": str(CAP)}
    with running_stack(tmp_path_factory.mktemp("artifacts"), extra_env=env) as running:
        yield running


def _listing(stack: Stack, task_id: str) -> dict[str, Any]:
    reply = stack.http.get(stack.url(f"/tasks/{task_id}/artifacts"), timeout=10)
    assert reply.status_code == 200, reply.text
    listing: dict[str, Any] = reply.json()
    return listing


def _check_kept(stack: Stack, task_id: str) -> None:
    listing = _listing(stack, task_id)
    assert [(f["name"], f["size"], f["type"]) for f in listing["files"]] == [
        ("metrics.csv", 22, "text/csv"),
        ("model.ckpt", 1000, "application/octet-stream"),
        ("plots/loss.png", len(PNG), "image/png"),
    ]
    skipped = {s["name"]: s["reason"] for s in listing["skipped"]}
    assert "JOBLOOK_MAX_ARTIFACT_BYTES" in skipped["zz-too-big.bin"]
    assert "link" in skipped["passwd"]
    png = stack.http.get(stack.url(f"/tasks/{task_id}/artifacts/plots/loss.png"), timeout=10)
    assert png.content == PNG
    assert png.headers["Content-Type"] == "image/png"
    assert png.headers["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in png.headers["Content-Disposition"]


def test_what_the_command_leaves_is_listed_and_downloadable_once_it_ends(
    artifact_stack: Stack,
) -> None:
    task_id = artifact_stack.enqueue(_command())
    log = artifact_stack.wait_finished(task_id)
    assert log["state"] == "SUCCESS", log
    _check_kept(artifact_stack, task_id)


def _raw_get(stack: Stack, path: str) -> tuple[int, bytes]:
    """GET a path exactly as written: no client normalises its dots away."""
    connection = http.client.HTTPConnection("127.0.0.1", stack.web_port, timeout=10)
    try:
        connection.request("GET", path)
        reply = connection.getresponse()
        return reply.status, reply.read()
    finally:
        connection.close()


def test_paths_out_of_the_artifacts_get_a_4xx_and_leak_nothing(artifact_stack: Stack) -> None:
    task_id = artifact_stack.enqueue(_command())
    artifact_stack.wait_finished(task_id)
    base = f"/tasks/{task_id}/artifacts/"
    for path in ("../../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "%2Fetc%2Fpasswd",
                 "passwd", "loss%00.png", "plots/../../x"):  # fmt: skip
        status, body = _raw_get(artifact_stack, base + path)
        assert 400 <= status < 500, (path, status)
        assert b"root:" not in body


@pytest.fixture(scope="module")
def moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real S3-compatible server (moto_server) on a free port, with a bucket."""
    command = shutil.which("moto_server", path=str(Path(sys.executable).parent))
    if command is None:
        pytest.fail("moto_server is missing: make install (moto[server] is a dev dependency)")
    port = free_port()
    root = tmp_path_factory.mktemp("moto")
    server = Service("moto", [command, "-H", "127.0.0.1", "-p", str(port)], {}, root)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            return requests.get(endpoint, timeout=20).status_code < 500
        except (requests.ConnectionError, requests.Timeout):
            return False

    wait_for(answers, 60, "moto_server to answer")
    s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="test",
                      aws_secret_access_key="test", region_name="us-east-1")  # fmt: skip
    s3.create_bucket(Bucket="joblook-test")
    yield endpoint
    server.stop()


def test_artifacts_kept_in_an_s3_bucket_are_listed_and_served_alike(
    tmp_path: Path, moto: str
) -> None:
    env = {
        "JOBLOOK_ARTIFACTS_URL": "s3://joblook-test/runs",
        "JOBLOOK_S3_ENDPOINT_URL": moto,
        "JOBLOOK_S3_ACCESS_KEY_ID": "test",
        "JOBLOOK_S3_SECRET_ACCESS_KEY": "test",
        "JOBLOOK_S3_REGION": "us-east-1",
        "JOBLOOK_MAX_ARTIFACT_BYTES": str(CAP),
    }
    with running_stack(tmp_path, extra_env=env, concurrency=1) as stack:
        task_id = stack.enqueue(_command())
        assert stack.wait_finished(task_id)["state"] == "SUCCESS"
        _check_kept(stack, task_id)
    s3 = boto3.client("s3", endpoint_url=moto, aws_access_key_id="test",
                      aws_secret_access_key="test", region_name="us-east-1")  # fmt: skip
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="joblook-test")["Contents"]}
    assert f"runs/{task_id}/files/plots/loss.png" in keys
    assert not (tmp_path / "var" / "artifacts").exists(), "nothing kept on the local disk"
