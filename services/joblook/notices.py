"""Notices: a task's end, sent through Apprise URLs (Slack, email, Discord, Teams, ntfy...).

What a notice says and how one is sent, shared by the web (which checks and masks the URLs a
request names) and the worker (which composes the notice and sends it, ``worker/notify.py``).
Notify URLs often hold credentials (a webhook token, a mail password): nothing here logs one,
and :func:`mask` is how any of them is ever shown.
"""

from __future__ import annotations

import logging
import shlex
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from urllib.parse import urlencode

from joblook.retry import Backoff

log = logging.getLogger(__name__)

LAST_LINES = 20  # lines of output a notice carries
MAX_LINE_CHARS = 500  # a line longer than this is cut, so one huge line cannot fill the message
# Tries 2, 4, 8, 16, 32 s after a failure, then gives up: six tries in about a minute.
RETRY = Backoff(first=2.0, cap=60.0, tries=6)


# Apprise's notify type for each end: the colour and icon a service shows (Slack's red for failure).
_KINDS = {"SUCCESS": "success", "FAILURE": "failure", "REVOKED": "warning"}


@dataclass(frozen=True)
class Notice:
    title: str
    body: str
    kind: str = "info"
    """Apprise's notify type: ``success``, ``failure``, ``warning`` or ``info``."""


def mask(url: str) -> str:
    """A notify URL as it may be shown: its scheme only (``slack://***``)."""
    scheme, sep, _rest = url.partition("://")
    return f"{scheme}://***" if sep and scheme.isalnum() else "***"


def is_apprise_url(url: str) -> bool:
    """True when Apprise knows the URL's service and can parse the rest."""
    with _apprise() as apprise:
        return apprise.Apprise.instantiate(url) is not None


def compose(
    task_id: str,
    cmd: str | list[str] | None,
    state: str,
    exit_code: int | None,
    duration: float | None,
    *,
    submitted_by: str | None,
    public_url: str,
    output: str,
) -> Notice:
    """The notice for a task's end: its state, how long, who started it, the link and the last
    ``LAST_LINES`` lines of its output."""
    shown = shlex.join(cmd) if isinstance(cmd, list) else (cmd or "")
    lines = [
        f"Task {task_id} ended {state}" + ("" if exit_code is None else f" (exit code {exit_code})")
    ]
    if shown:
        lines.append(f"Command: {shown[:MAX_LINE_CHARS]}")
    if duration is not None:
        lines.append(f"Duration: {duration:.1f} s")
    if submitted_by:
        lines.append(f"Started by: {submitted_by}")
    lines.append(f"Link: {public_url}/task?{urlencode({'task_id': task_id})}")
    tail = last_lines(output)
    if tail:
        lines += ["", f"Last {len(tail)} lines of output:", *tail]
    title = f"joblook: {state} {shown[:60]}".rstrip()
    return Notice(title=title, body="\n".join(lines), kind=_KINDS.get(state, "info"))


def last_lines(output: str, count: int = LAST_LINES) -> list[str]:
    """The last ``count`` lines of ``output`` (carriage-return progress bars: their last frame)."""
    lines = [line.rsplit("\r", 1)[-1] for line in output.rstrip("\n").split("\n")]
    return [line[:MAX_LINE_CHARS] for line in lines[-count:]] if output.strip() else []


def send(url: str, notice: Notice) -> bool:
    """Send one notice to one Apprise URL; True when the service took it."""
    with _apprise() as apprise:
        target = apprise.Apprise()
        if not target.add(url):
            return False
        return bool(target.notify(title=notice.title, body=notice.body, notify_type=notice.kind))


Send = Callable[[str, Notice], bool]


def deliver(urls: list[str], indexes: list[int], notice: Notice, sender: Send = send) -> list[int]:
    """Send ``notice`` to the URLs at ``indexes``; returns the indexes that failed."""
    failed = []
    for index in indexes:
        try:
            ok = sender(urls[index], notice)
        except Exception as exc:  # a plugin's bug must not stop the other targets
            log.warning(
                "notice target %d (%s) raised %s", index, mask(urls[index]), type(exc).__name__
            )
            ok = False
        if not ok:
            failed.append(index)
    return failed


@contextmanager
def _apprise() -> Iterator[ModuleType]:
    """Apprise, imported on first use (it loads its plugins: slow, and only notices need it)."""
    with warnings.catch_warnings():
        # Its email plugin imports imghdr, deprecated since Python 3.11, when the plugins load
        # (on first use, not at import): not joblook's to fix, and no reason to fail a test.
        warnings.simplefilter("ignore", DeprecationWarning)
        import apprise  # noqa: PLC0415

        # Apprise's own log lines name hosts, users and sometimes tokens of the URLs it uses.
        logging.getLogger("apprise").setLevel(logging.CRITICAL + 1)
        yield apprise
