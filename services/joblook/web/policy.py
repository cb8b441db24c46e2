"""What may run: the command policy an operator sets, applied to every enqueue request.

- ``JOBLOOK_JOBS_FILE``: named jobs with typed parameters (see ``joblook.jobs``). When set, raw
  shell commands are refused unless ``JOBLOOK_ALLOW_RAW=1``.
- ``JOBLOOK_ALLOWED_COMMANDS``: a regular expression every raw command must match as a whole
  (each step of a chain or group too).
Refusals are 403: the request was understood, and is not allowed.
"""

from __future__ import annotations

import shlex
from typing import Any

from joblook.commandpolicy import RAW_DISABLED, raw_refusal
from joblook.jobs import Job, JobError
from joblook.settings import Settings
from joblook.web.errors import ApiError


def check_raw(settings: Settings, jobs: dict[str, Job], cmds: list[str]) -> None:
    """Refuse raw shell commands the policy does not allow."""
    for cmd in cmds:
        refusal = raw_refusal(settings, cmd)
        if refusal == RAW_DISABLED:
            raise ApiError(403, refusal, {"jobs": sorted(jobs)})
        if refusal is not None:
            raise ApiError(403, refusal, {"cmd": cmd[:200]})


def job_argv(
    jobs: dict[str, Job], name: str, params: dict[str, Any] | None
) -> tuple[list[str], str]:
    """The argv a named job runs with these parameters, and how to show it (shell-quoted)."""
    if name not in jobs:
        raise ApiError(400, "unknown job", {"jobs": sorted(jobs)})
    try:
        argv = jobs[name].render(params or {})
    except JobError as exc:
        raise ApiError(400, str(exc)) from None
    return argv, shlex.join(argv)
