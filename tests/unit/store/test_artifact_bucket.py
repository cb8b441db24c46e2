"""``joblook make-bucket``, against moto's in-process S3 (a mock: the compose suite runs it for
real, tests/compose/live/test_artifacts_and_notices.py)."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from joblook.cli import main


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """An in-process S3 and the settings that point the artifacts at a bucket in it."""
    monkeypatch.setenv("JOBLOOK_ARTIFACTS_URL", "s3://team-artifacts/runs")
    monkeypatch.setenv("JOBLOOK_S3_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("JOBLOOK_S3_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("JOBLOOK_S3_REGION", "eu-west-1")
    with mock_aws():
        yield boto3.client(
            "s3", aws_access_key_id="test", aws_secret_access_key="test", region_name="eu-west-1"
        )


def _buckets(client: object) -> list[str]:
    return [b["Name"] for b in client.list_buckets()["Buckets"]]  # type: ignore[attr-defined]


def test_make_bucket_makes_the_bucket_the_artifacts_url_names_once(
    s3: object, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["make-bucket"]) == 0
    assert _buckets(s3) == ["team-artifacts"]
    assert main(["make-bucket"]) == 0  # a restarted stack runs the step again
    assert _buckets(s3) == ["team-artifacts"]
    assert capsys.readouterr().out.splitlines() == [
        "bucket team-artifacts made",
        "bucket team-artifacts already there",
    ]


def test_make_bucket_refuses_a_directory_store(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("JOBLOOK_ARTIFACTS_URL", "/data/artifacts")
    assert main(["make-bucket"]) == 2
    assert "not an s3:// address" in capsys.readouterr().err
