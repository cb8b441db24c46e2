"""``joblook worker --gpus``: taken out of Celery's arguments, checked, one process per GPU."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from joblook.worker.commandenv import command_environment
from joblook.worker.gpus import GpuError, gpu_ids_listed, split_gpus, with_concurrency


def test_gpus_are_taken_out_of_the_arguments_celery_reads() -> None:
    assert split_gpus(["--queues", "gpu", "--gpus", "0,1"]) == (["0", "1"], ["--queues", "gpu"])
    assert split_gpus(["--gpus=fake-a,fake-b"]) == (["fake-a", "fake-b"], [])
    assert split_gpus(["--queues", "cpu"]) == (None, ["--queues", "cpu"])


@pytest.mark.parametrize("value", ["", "0,0", "0;rm -rf", ","])
def test_bad_gpu_ids_are_refused(value: str) -> None:
    with pytest.raises(GpuError):
        split_gpus(["--gpus", value])


def test_a_worker_with_gpus_runs_one_process_per_gpu_unless_told_otherwise() -> None:
    assert with_concurrency(["-Q", "gpu"], ["0", "1", "2"]) == ["-Q", "gpu", "--concurrency", "3"]
    assert with_concurrency(["--concurrency", "1"], ["0", "1"]) == ["--concurrency", "1"]
    assert with_concurrency(["-c2"], ["0", "1"]) == ["-c2"]


def test_nvidia_smi_listing_gives_the_gpu_ids() -> None:
    listing = (
        "GPU 0: NVIDIA A100-SXM4-40GB (UUID: GPU-1a2b)\n"
        "GPU 1: NVIDIA A100-SXM4-40GB (UUID: GPU-3c4d)\n"
    )
    assert gpu_ids_listed(listing) == ["0", "1"]


def test_the_command_sees_only_the_gpus_its_task_holds() -> None:
    environ = {"PATH": "/bin", "CUDA_VISIBLE_DEVICES": "0,1,2,3"}
    assert command_environment(environ, ["2"])["CUDA_VISIBLE_DEVICES"] == "2"
    assert command_environment(environ, [])["CUDA_VISIBLE_DEVICES"] == ""
    assert command_environment(environ)["CUDA_VISIBLE_DEVICES"] == "0,1,2,3"


def test_gpus_all_asks_nvidia_smi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "nvidia-smi"
    fake.write_text(
        '#!/bin/sh\n[ "$1" = -L ] || exit 9\n'
        'echo "GPU 0: Tesla T4 (UUID: GPU-aa)"\necho "GPU 1: Tesla T4 (UUID: GPU-bb)"\n'
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    assert split_gpus(["--gpus", "all"]) == (["0", "1"], [])


def test_gpus_all_without_nvidia_smi_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(GpuError, match="nvidia-smi"):
        split_gpus(["--gpus", "all"])
