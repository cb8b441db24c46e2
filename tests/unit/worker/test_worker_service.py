"""``joblook worker`` and ``joblook flower`` hand the right arguments to Celery."""

from __future__ import annotations

import pytest
from celery import Celery

from joblook.worker import service


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Capture what would be passed to ``celery`` instead of running it."""
    calls: list[list[str]] = []

    def fake_start(app: Celery, argv: list[str]) -> int:
        calls.append(argv)
        return 0

    monkeypatch.setattr(Celery, "start", fake_start)
    return calls


def test_worker_runs_fair_prefork_with_events_and_passes_extra_args(
    started: list[list[str]],
) -> None:
    assert service.serve(["--concurrency", "4"]) == 0
    (argv,) = started
    assert argv[0] == "worker"
    assert {"--loglevel=INFO", "-E", "--pool=prefork"} <= set(argv)
    assert argv[argv.index("-O") + 1] == "fair"
    assert argv[-2:] == ["--concurrency", "4"]


def test_flower_listens_on_the_configured_host_and_port(
    started: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLOWER_PORT", "5600")
    monkeypatch.setenv("JOBLOOK_HOST", "0.0.0.0")
    assert service.serve_flower(["--basic-auth=a:b"]) == 0
    assert started == [["flower", "--port=5600", "--address=0.0.0.0", "--basic-auth=a:b"]]


def test_bad_worker_argument_is_an_exit_status_not_a_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert service.serve(["--no-such-option"]) == 2
    assert "no-such-option" in capsys.readouterr().err
