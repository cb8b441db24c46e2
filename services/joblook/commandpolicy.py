"""The command policy's rule for raw shell commands, in one place for the web (which refuses a
request with 403, ``web/policy.py``) and the scheduler (which refuses to fire a schedule the
policy no longer allows, so tightening the policy also stops schedules made before)."""

from __future__ import annotations

from joblook.settings import Settings

RAW_DISABLED = "raw commands are disabled here: run a named job"
NOT_ALLOWED = "command not allowed by JOBLOOK_ALLOWED_COMMANDS"


def raw_refusal(settings: Settings, cmd: str) -> str | None:
    """Why the policy refuses this raw command, or None when it may run."""
    # The file, not its contents, turns raw commands off: "jobs: {}" must not turn them back on.
    if settings.jobs_file is not None and not settings.allow_raw:
        return RAW_DISABLED
    pattern = settings.allowed_commands
    if pattern is not None and not pattern.fullmatch(cmd):
        return NOT_ALLOWED
    return None
