"""The ``s3`` profile on its own: MinIO and a one-shot bucket step, off unless asked for, and the
``.env`` lines docs/compose.md gives pointing web and workers at them. The live suite runs it
(tests/compose/live/test_artifacts_and_notices.py, with a stand-in for MinIO)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from joblook.settings import Settings
from joblook.settings.declared import SETTINGS
from tests.support.composestack import docs_env_lines

from . import composefile
from .conftest import REPO_ROOT

PROFILE_SERVICES = ("s3", "s3-bucket")
ARTIFACT_SETTINGS = (
    "JOBLOOK_ARTIFACTS_URL", "JOBLOOK_S3_ENDPOINT_URL", "JOBLOOK_S3_REGION",
    "JOBLOOK_S3_ACCESS_KEY_ID", "JOBLOOK_S3_SECRET_ACCESS_KEY",
)  # fmt: skip


@pytest.fixture(scope="module")
def profile_env() -> dict[str, str]:
    """The .env lines docs/compose.md gives for the profile."""
    return docs_env_lines("Artifacts in a bucket: the `s3` profile")


@pytest.mark.parametrize("name", PROFILE_SERVICES)
def test_the_s3_services_start_only_with_the_profile(services: dict[str, Any], name: str) -> None:
    assert services[name]["profiles"] == ["s3"]


def test_the_s3_service_runs_pinned_minio_unless_s3_image_names_another(
    services: dict[str, Any],
) -> None:
    image = services["s3"]["image"]
    assert composefile.variables(image) == ["S3_IMAGE"]
    default = composefile.resolved(image)
    assert default.startswith("minio/minio:RELEASE."), default  # a release tag, never :latest
    (declared,) = [s for s in SETTINGS if s.env == "S3_IMAGE"]
    assert declared.example == default  # .env.example shows the image compose runs
    assert f"`{default}`" in (REPO_ROOT / "docs" / "compose.md").read_text(encoding="utf-8")


def test_the_s3_service_is_reached_on_the_compose_network_only(services: dict[str, Any]) -> None:
    assert "ports" not in services["s3"]
    command = services["s3"]["command"]
    assert command[:2] == ["server", "/data"]
    assert command[command.index("--address") + 1] == ":9000"


def test_minio_root_account_is_the_key_pair_web_and_workers_use(
    services: dict[str, Any],
) -> None:
    minio = composefile.environment(services["s3"])
    assert composefile.variables(minio["MINIO_ROOT_USER"]) == ["JOBLOOK_S3_ACCESS_KEY_ID"]
    assert composefile.variables(minio["MINIO_ROOT_PASSWORD"]) == ["JOBLOOK_S3_SECRET_ACCESS_KEY"]


def test_the_bucket_step_runs_once_with_the_workers_artifact_settings(
    services: dict[str, Any],
) -> None:
    step = services["s3-bucket"]
    assert step["command"] == ["joblook", "make-bucket"]
    assert step["restart"] == "no"
    assert step["depends_on"] == {"s3": {"condition": "service_healthy"}}
    worker = composefile.environment(services["worker"])
    assert composefile.environment(step) == {name: worker[name] for name in ARTIFACT_SETTINGS}


@pytest.mark.parametrize("name", ["web", "worker", "worker-gpu"])
def test_web_and_workers_wait_for_the_bucket_only_when_the_profile_is_on(
    services: dict[str, Any], name: str
) -> None:
    wait = services[name]["depends_on"]["s3-bucket"]
    assert wait == {"condition": "service_completed_successfully", "required": False}


def test_the_docs_env_lines_turn_the_profile_on_and_point_at_its_server(
    services: dict[str, Any], profile_env: dict[str, str]
) -> None:
    assert profile_env["COMPOSE_PROFILES"] == "s3"
    settings = Settings.from_env(profile_env)
    endpoint = urlsplit(settings.s3_endpoint_url or "")
    assert (endpoint.hostname, endpoint.port) == ("s3", 9000)
    assert urlsplit(settings.artifacts_url).scheme == "s3"
    # MinIO refuses a root password shorter than 8 characters.
    assert len(profile_env["JOBLOOK_S3_SECRET_ACCESS_KEY"]) >= 8
    for name in ARTIFACT_SETTINGS:
        assert name in composefile.environment(services["web"]), name
