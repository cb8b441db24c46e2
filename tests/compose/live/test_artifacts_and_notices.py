"""Artifacts and notices in compose, from the host: a command's artifacts downloaded through the
web's published port, once from the default ``artifacts`` volume (the first stack) and once from a
bucket (a stack of its own, started with the ``.env`` lines docs/compose.md gives for the ``s3``
profile); and a notice that reaches an HTTP receiver on the compose network.

The ``s3`` profile's server here is a test-only stand-in for MinIO (``s3standin/``: moto's S3
server behind MinIO's command line), since no image registry is reachable; docs/compose.md says so.
"""

from __future__ import annotations

import json
import subprocess
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.composestack import COMPOSE_SECONDS, REPO_ROOT, ComposeStack, docs_env_lines
from tests.support.waiting import wait_for

from .conftest import RUN_ID, start_stack

HERE = Path(__file__).parent
# The docs/compose.md section whose .env lines the s3 stack uses as written.
S3_PROFILE_HEADING = "Artifacts in a bucket: the `s3` profile"
S3_STANDIN_TAG = f"joblook-s3-standin:live-{RUN_ID}"
# The receiver joins the s3 stack from a second compose file, named in that stack's .env.
RECEIVER_COMPOSE = "docker-compose.yml:tests/compose/live/receiver/compose.yml"

# What the command leaves in $JOBLOOK_ARTIFACTS: a CSV, a text file in a folder and a binary.
EXPECTED = {
    "checkpoint.bin": bytes(range(256)) * 64,
    "losses.csv": b"epoch,loss\n1,0.9\n2,0.4\n",
    "plots/report.txt": b"done\n",
}
WRITE_ARTIFACTS = (
    'cd "$JOBLOOK_ARTIFACTS" && mkdir plots'
    " && printf 'epoch,loss\\n1,0.9\\n2,0.4\\n' > losses.csv"
    " && printf 'done\\n' > plots/report.txt"
    " && python -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 64)' > checkpoint.bin"
)


def _moto_requirement() -> str:
    """``moto[server]==X`` as pyproject.toml pins it: the stand-in installs that very version."""
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pins = [pin for group in project["project"]["optional-dependencies"].values() for pin in group]
    (moto,) = [pin for pin in pins if pin.startswith("moto[server]==")]
    return moto


@pytest.fixture(scope="module")
def s3_standin(docker_engine: None) -> Iterator[str]:
    """The MinIO stand-in image, built under this run's own tag; removed afterwards."""
    built = subprocess.run(
        ["docker", "build", "--tag", S3_STANDIN_TAG,
         "--build-arg", f"MOTO_REQUIREMENT={_moto_requirement()}", str(HERE / "s3standin")],
        capture_output=True, text=True, timeout=COMPOSE_SECONDS * 2, check=False,
    )  # fmt: skip
    assert built.returncode == 0, f"{built.stdout[-3000:]}\n{built.stderr[-3000:]}"
    yield S3_STANDIN_TAG
    subprocess.run(
        ["docker", "image", "rm", "-f", S3_STANDIN_TAG], capture_output=True, check=False
    )


@pytest.fixture(scope="module")
def s3_stack(
    tmp_path_factory: pytest.TempPathFactory, image_tag: str, stack: ComposeStack, s3_standin: str
) -> Iterator[ComposeStack]:
    """A stack with the ``s3`` profile on, as docs/compose.md's lines set it, plus the notice
    receiver; no scheduler nor Flower (after ``stack``, which built the image)."""
    root = tmp_path_factory.mktemp("compose-s3")
    settings = {
        **docs_env_lines(S3_PROFILE_HEADING),
        "S3_IMAGE": s3_standin,
        "COMPOSE_FILE": RECEIVER_COMPOSE,
    }
    yield from start_stack(root, "s3", image_tag, settings, "web", "worker", "fluentd", "receiver")


def _run_and_download(compose: ComposeStack) -> str:
    """Runs WRITE_ARTIFACTS; checks the listing and every download against EXPECTED."""
    task_id = compose.enqueue(WRITE_ARTIFACTS)
    log = compose.wait_finished(task_id)
    assert (log["state"], log["exit_code"]) == ("SUCCESS", 0), log["records"][-3:]
    listing = compose.http.get(compose.url(f"/tasks/{task_id}/artifacts"), timeout=10)
    assert listing.status_code == 200, listing.text
    files = {entry["name"]: entry["size"] for entry in listing.json()["files"]}
    assert files == {name: len(body) for name, body in EXPECTED.items()}
    for name, body in EXPECTED.items():
        reply = compose.http.get(compose.url(f"/tasks/{task_id}/artifacts/{name}"), timeout=30)
        assert reply.status_code == 200, (name, reply.text[:300])
        assert reply.content == body, name
    return task_id


def _exec(compose: ComposeStack, service: str, *argv: str) -> str:
    return compose.compose("exec", "-T", service, *argv, timeout=60)


def test_artifacts_on_the_volume_are_downloaded_through_the_published_port(
    stack: ComposeStack,
) -> None:
    task_id = _run_and_download(stack)
    kept = _exec(stack, "web", "ls", "-R", f"/data/artifacts/{task_id}")
    assert "manifest.json" in kept and "checkpoint.bin" in kept


_LIST_BUCKET = """\
import os, sys
from urllib.parse import urlsplit
import boto3
where = urlsplit(os.environ["JOBLOOK_ARTIFACTS_URL"])
s3 = boto3.client("s3", endpoint_url=os.environ["JOBLOOK_S3_ENDPOINT_URL"],
    region_name=os.environ["JOBLOOK_S3_REGION"],
    aws_access_key_id=os.environ["JOBLOOK_S3_ACCESS_KEY_ID"],
    aws_secret_access_key=os.environ["JOBLOOK_S3_SECRET_ACCESS_KEY"])
prefix = where.path.strip("/") + "/" + sys.argv[1] + "/"
for item in s3.list_objects_v2(Bucket=where.netloc, Prefix=prefix).get("Contents", []):
    print(item["Key"][len(prefix):])
"""


def test_artifacts_in_the_s3_profile_bucket_are_downloaded_through_the_published_port(
    s3_stack: ComposeStack,
) -> None:
    task_id = _run_and_download(s3_stack)
    # In the bucket, asked from the worker with its own settings; nothing on the volume.
    keys = _exec(s3_stack, "worker", "python", "-c", _LIST_BUCKET, task_id).split()
    assert sorted(keys) == sorted(["manifest.json", *(f"files/{name}" for name in EXPECTED)])
    assert _exec(s3_stack, "worker", "ls", "-A", "/data/artifacts").split() == []
    bucket_step = s3_stack.logs("s3-bucket")
    assert "bucket joblook-artifacts made" in bucket_step


def _notices(compose: ComposeStack, task_id: str) -> list[dict[str, Any]]:
    """The JSON bodies the receiver printed that name the task."""
    # Compose 2.26 starts each line it prints with an erase-line escape, even with --no-color.
    lines = [line[line.find("{") :] for line in compose.logs("receiver").splitlines()]
    posts = [json.loads(line) for line in lines if line.startswith("{")]
    return [json.loads(post["body"]) for post in posts if task_id in post["body"]]


def test_a_notice_reaches_a_receiver_on_the_compose_network_with_state_and_last_lines(
    s3_stack: ComposeStack,
) -> None:
    reply = s3_stack.http.post(
        s3_stack.url("/enqueue"),
        json={"cmd": "seq 1 30; exit 3", "notify": ["json://receiver:8000/notice"]},
        timeout=10,
    )
    assert reply.status_code == 202, reply.text
    task_id = reply.json()["task_id"]
    s3_stack.wait_finished(task_id)
    (notice,) = wait_for(lambda: _notices(s3_stack, task_id), 60, "the notice", interval=0.5)
    assert "FAILURE" in notice["title"]
    message = notice["message"].splitlines()
    assert message[0] == f"Task {task_id} ended FAILURE (exit code 3)"
    tail = message[message.index("Last 20 lines of output:") + 1 :]
    assert tail == [str(n) for n in range(11, 31)]
