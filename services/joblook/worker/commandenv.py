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
WITHHELD_NAMES = frozenset({"REDIS_URL", "REDISCLI_AUTH"})


def withheld(name: str) -> bool:
    """True for a variable that is joblook's business, not the command's."""
    return name in WITHHELD_NAMES or name.upper().startswith(WITHHELD_PREFIXES)


def command_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """``environ`` without joblook's variables, with unbuffered Python output."""
    env = {name: value for name, value in environ.items() if not withheld(name)}
    # Python programs then print line by line; others line-buffer or not on a pipe as they choose.
    env["PYTHONUNBUFFERED"] = "1"
    return env
