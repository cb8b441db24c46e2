"""``joblook worker --gpus 0,1`` (or ``--gpus all``): the GPUs a worker hands out, one task each.

The option is joblook's, not Celery's, so it is taken out of the arguments before Celery reads
them. ``all`` asks ``nvidia-smi -L``. Ids are opaque: tests give fake ones to machines without
GPUs. Unless the arguments set ``--concurrency``, the worker runs one process per GPU, so it
never takes a GPU task it has no GPU for while its GPUs are all held.
"""

from __future__ import annotations

import re
import subprocess

GPU_ID = re.compile(r"^[A-Za-z0-9_:-]{1,64}$")
NVIDIA_SMI_LINE = re.compile(r"^GPU (\d+):", re.MULTILINE)


class GpuError(ValueError):
    """``--gpus`` cannot be used; the message says why."""


def split_gpus(args: list[str]) -> tuple[list[str] | None, list[str]]:
    """``--gpus`` taken out of ``args``: its ids (None when absent) and the arguments left."""
    rest: list[str] = []
    value: str | None = None
    items = iter(args)
    for arg in items:
        if arg == "--gpus":
            value = next(items, None)
            if value is None:
                raise GpuError("--gpus needs a value: ids like 0,1, or all")
        elif arg.startswith("--gpus="):
            value = arg.removeprefix("--gpus=")
        else:
            rest.append(arg)
    if value is None:
        return None, rest
    return (discover() if value == "all" else parse_ids(value)), rest


def parse_ids(value: str) -> list[str]:
    """``0,1`` -> ["0", "1"]: distinct ids, at least one."""
    ids = [part.strip() for part in value.split(",") if part.strip()]
    if not ids or not all(GPU_ID.match(i) for i in ids) or len(set(ids)) != len(ids):
        raise GpuError(f"--gpus {value!r}: give distinct ids like 0,1 (or all)")
    return ids


def discover() -> list[str]:
    """The ids ``nvidia-smi -L`` lists."""
    try:
        done = subprocess.run(
            ["nvidia-smi", "-L"], capture_output=True, text=True, timeout=30, check=True
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise GpuError(f"--gpus all: cannot list the GPUs with nvidia-smi -L: {exc}") from None
    ids = gpu_ids_listed(done.stdout)
    if not ids:
        raise GpuError("--gpus all: nvidia-smi -L lists no GPU")
    return ids


def gpu_ids_listed(listing: str) -> list[str]:
    """The ids in ``nvidia-smi -L`` output (``GPU 0: NVIDIA A100 (UUID: ...)``)."""
    return NVIDIA_SMI_LINE.findall(listing)


def with_concurrency(args: list[str], gpus: list[str]) -> list[str]:
    """``args`` with one process per GPU, unless they set the concurrency themselves."""
    given = any(
        arg in ("-c", "--concurrency") or arg.startswith(("--concurrency=", "-c")) for arg in args
    )
    return args if given else [*args, "--concurrency", str(len(gpus))]
