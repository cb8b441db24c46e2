"""The environment a command runs with: the worker's, minus joblook's own configuration.

The worker's environment carries what joblook needs and a command must not have: the tokens (which
would let a command act as the user or forge logs), REDIS_URL with its password (which reaches
the queue, so any command at all, past the token and the command policy), Flower's login. The
rule is by name, so a setting added later is covered without a list to keep in step: every
variable of joblook's settings (JOBLOOK_*, FLOWER_*, FLUENTD_*, REDIS_URL), Celery's and
redis-cli's. Everything else (PATH, HOME, LANG, a job's own credentials) is passed on.
"""

from __future__ import annotations

from collections.abc import Mapping

WITHHELD_PREFIXES = ("JOBLOOK_", "FLOWER_", "FLUENTD_", "CELERY_")
CUDA_VISIBLE_DEVICES = "CUDA_VISIBLE_DEVICES"
# PROMETHEUS_MULTIPROC_DIR: the worker's own metrics (worker/metrics.py); a command using
# prometheus_client would otherwise write its values into them.
WITHHELD_NAMES = frozenset(
    {"REDIS_URL", "REDISCLI_AUTH", "PROMETHEUS_MULTIPROC_DIR", "prometheus_multiproc_dir"}
)


def withheld(name: str) -> bool:
    """True for a variable that is joblook's business, not the command's."""
    return name in WITHHELD_NAMES or name.upper().startswith(WITHHELD_PREFIXES)


def command_environment(
    environ: Mapping[str, str],
    gpu_ids: list[str] | None = None,
    secrets: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """``environ`` without joblook's variables, with unbuffered Python output.

    ``gpu_ids``: on a worker with GPUs, the ones the task holds, as ``CUDA_VISIBLE_DEVICES``
    (empty when it holds none, so it cannot use another task's); None leaves the variable be.
    ``secrets``: the task's secrets, by name; joblook's own variables are set after them.
    """
    env = {name: value for name, value in environ.items() if not withheld(name)}
    env |= secrets or {}
    if gpu_ids is not None:
        env[CUDA_VISIBLE_DEVICES] = ",".join(gpu_ids)
    # Python programs then print line by line; others line-buffer or not on a pipe as they choose.
    env["PYTHONUNBUFFERED"] = "1"
    return env
