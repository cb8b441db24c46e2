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

from joblook.jobs import Job, JobError
from joblook.settings import Settings
from joblook.web.errors import ApiError


def check_raw(settings: Settings, jobs: dict[str, Job], cmds: list[str]) -> None:
    """Refuse raw shell commands the policy does not allow."""
    # The file, not its contents, turns raw commands off: "jobs: {}" must not turn them back on.
    if settings.jobs_file is not None and not settings.allow_raw:
        raise ApiError(
            403, "raw commands are disabled here: run a named job", {"jobs": sorted(jobs)}
        )
    pattern = settings.allowed_commands
    if pattern is None:
        return
    for cmd in cmds:
        if not pattern.fullmatch(cmd):
            raise ApiError(
                403, "command not allowed by JOBLOOK_ALLOWED_COMMANDS", {"cmd": cmd[:200]}
            )


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
