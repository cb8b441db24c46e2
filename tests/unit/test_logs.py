"""logs.setup: a service's own log goes to stderr, or to Fluentd when FLUENTD_HOST is set.

Each case runs in a fresh Python process, as a service does: in this one, pytest has put its own
handler on the root logger, and setup (like logging.basicConfig) leaves a configured root alone.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from joblook.settings import DEFAULT_FLUENTD_PORT, Settings
from tests.support.forward import ForwardReceiver, forward_receiver

# A service in miniature: set up logging the way every joblook service does, then log.
SERVICE = """
import logging
from joblook import logs
from joblook.settings import Settings
logs.setup("web", Settings.from_env())
logging.getLogger("joblook.example").info("starting")
logging.getLogger("joblook.example").warning("disk %s full", "/data")
"""


@pytest.fixture
def receiver() -> Iterator[ForwardReceiver]:
    """A forward-protocol listener on a free loopback port."""
    with forward_receiver() as listening:
        yield listening


def _run_service(**env: str) -> subprocess.CompletedProcess[str]:
    unset = {"FLUENTD_HOST", "FLUENTD_PORT", "JOBLOOK_LOG_LEVEL"}
    base = {k: v for k, v in os.environ.items() if k not in unset}
    return subprocess.run(
        [sys.executable, "-c", SERVICE],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


def test_fluentd_settings_default_to_stderr_and_the_forward_port() -> None:
    settings = Settings.from_env({})
    assert (settings.fluentd_host, settings.fluentd_port) == (None, DEFAULT_FLUENTD_PORT)
    settings = Settings.from_env({"FLUENTD_HOST": "fluentd", "FLUENTD_PORT": "24225"})
    assert (settings.fluentd_host, settings.fluentd_port) == ("fluentd", 24225)


def test_without_fluentd_host_the_log_goes_to_stderr() -> None:
    stderr = _run_service().stderr
    assert "web INFO joblook.example: starting" in stderr
    assert "web WARNING joblook.example: disk /data full" in stderr


def test_with_fluentd_host_the_log_goes_to_fluentd_not_stderr(receiver: ForwardReceiver) -> None:
    stderr = _run_service(FLUENTD_HOST="127.0.0.1", FLUENTD_PORT=str(receiver.port)).stderr
    events = receiver.wait_for("the warning", lambda e: e.record["level"] == "WARNING")
    assert [e.tag for e in events] == ["joblook.service.web"]
    assert events[0].record["message"] == "disk /data full"
    assert "disk /data full" not in stderr


def test_the_log_level_setting_applies_with_fluentd_too(receiver: ForwardReceiver) -> None:
    _run_service(
        FLUENTD_HOST="127.0.0.1", FLUENTD_PORT=str(receiver.port), JOBLOOK_LOG_LEVEL="WARNING"
    )
    receiver.wait_for("the warning", lambda e: e.record["level"] == "WARNING")
    assert [e.record["message"] for e in receiver.events()] == ["disk /data full"]
