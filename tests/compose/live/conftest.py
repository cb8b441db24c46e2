"""The live compose suite: real containers from ``docker compose up``, driven from the host.

It runs whenever a Docker engine with Compose v2 answers, and skips with a one-line reason when
none does. On CI (``CI=true``) with ``../shared/docker/engine-up`` beside the checkout, ``.ci/run``
has started an engine, so a skip there would hide a broken engine or compose file: it is a
failure instead.

The image is built once per run (under a tag of the run's own) by the first stack's
``up --build``; every later stack reuses it. Each stack is ``down -v``-ed when its fixture ends,
also when a test fails, and at interpreter exit as a last resort (Ctrl-C).
"""

from __future__ import annotations

import atexit
import os
import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.composestack import REPO_ROOT, ComposeStack, engine_answers

ENGINE_UP = REPO_ROOT.parent / "shared" / "docker" / "engine-up"
RUN_ID = secrets.token_hex(4)
IMAGE = f"joblook:live-{RUN_ID}"
# Short enough that a lost worker's task fails within the test, long enough that a busy machine's
# heartbeat (six beats within it) is never late.
WORKER_LOST_SECONDS = 12
CLUSTER_FILE = "deploy/cluster/compose.yml"


# pytest-timeout counts a fixture's setup against the first test that uses it: that test waits for
# the image build (about 10 minutes on a new machine with vfs) and for `up --wait`.
LIVE_TEST_SECONDS = 1200


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Gives every live compose test the longer timeout (only this directory's tests)."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.timeout(LIVE_TEST_SECONDS))


@pytest.fixture(scope="session")
def docker_engine() -> None:
    """A Docker engine answers; else skip (or fail, on CI where one was started)."""
    reason = engine_answers()
    if reason is None:
        return
    if os.environ.get("CI") == "true" and ENGINE_UP.is_file():
        pytest.fail(f"no Docker engine although CI ran {ENGINE_UP}: {reason}")
    pytest.skip(f"no Docker engine answers ({reason})")


@pytest.fixture(scope="session")
def image_tag(docker_engine: None) -> Iterator[str]:
    """This run's image tag; removed at the end of the session (the build cache stays)."""
    yield IMAGE
    subprocess.run(["docker", "image", "rm", "-f", IMAGE], capture_output=True, check=False)


def start_stack(
    root: Path,
    name: str,
    image: str,
    settings: dict[str, str],
    *up_args: str,
    compose_file: str | None = None,
) -> Iterator[ComposeStack]:
    stack = ComposeStack(root, f"jl-live-{RUN_ID}-{name}", image, settings, compose_file)
    atexit.register(stack.down)
    try:
        stack.up(*up_args)
        yield stack
    finally:
        stack.down()
        atexit.unregister(stack.down)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, image_tag: str) -> Iterator[ComposeStack]:
    """The stack as docs/compose.md tells a user to start it (``up -d --build``), shared by the
    tests that only look at it."""
    root = tmp_path_factory.mktemp("compose")
    yield from start_stack(root, "main", image_tag, {}, "--build")


@pytest.fixture(scope="module")
def fault_stack(
    tmp_path_factory: pytest.TempPathFactory, image_tag: str, stack: ComposeStack
) -> Iterator[ComposeStack]:
    """A stack of three workers for tests that kill and restart its services (after ``stack``,
    which built the image)."""
    root = tmp_path_factory.mktemp("compose-faults")
    settings = {"JOBLOOK_WORKER_LOST_SECONDS": str(WORKER_LOST_SECONDS)}
    yield from start_stack(root, "faults", image_tag, settings, "--scale", "worker=3")


def _image_exists(tag: str) -> bool:
    done = subprocess.run(["docker", "image", "inspect", tag], capture_output=True, check=False)
    return done.returncode == 0


@pytest.fixture(scope="module")
def cluster_stack(
    tmp_path_factory: pytest.TempPathFactory, image_tag: str
) -> Iterator[ComposeStack]:
    """deploy/cluster/compose.yml: two web replicas behind the balancer, three worker hosts.
    It builds the image only when no other stack of this run has (run on its own)."""
    root = tmp_path_factory.mktemp("compose-cluster")
    settings = {"JOBLOOK_WORKER_LOST_SECONDS": str(WORKER_LOST_SECONDS)}
    build = () if _image_exists(image_tag) else ("--build",)
    yield from start_stack(root, "cluster", image_tag, settings, *build, compose_file=CLUSTER_FILE)
