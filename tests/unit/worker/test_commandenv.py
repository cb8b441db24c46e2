"""Commands run without joblook's own variables: no token, no Redis password, no Flower login."""

from __future__ import annotations

from joblook.settings.declared import SETTINGS
from joblook.worker.commandenv import command_environment, withheld


def test_every_variable_joblook_reads_is_withheld_from_commands() -> None:
    read = [s.env for s in SETTINGS if s.attr is not None]
    assert {"JOBLOOK_TOKEN", "JOBLOOK_SYNC_TOKEN", "REDIS_URL", "FLOWER_BASIC_AUTH"} <= set(read)
    assert [name for name in read if not withheld(name)] == []


def test_the_rest_of_the_environment_is_passed_on_with_unbuffered_python() -> None:
    worker = {
        "PATH": "/usr/bin:/bin",
        "HOME": "/tmp",
        "AWS_PROFILE": "training",
        "JOBLOOK_TOKEN": "user-secret",
        "REDIS_URL": "redis://:pw@redis:6379/0",
        "REDISCLI_AUTH": "pw",
        "CELERY_BROKER_URL": "redis://:pw@redis:6379/0",
        "FLOWER_UNAUTHENTICATED_API": "true",
    }
    assert command_environment(worker) == {
        "PATH": "/usr/bin:/bin",
        "HOME": "/tmp",
        "AWS_PROFILE": "training",
        "PYTHONUNBUFFERED": "1",
    }


def test_the_workers_metrics_directory_is_not_a_commands() -> None:
    environ = {"PROMETHEUS_MULTIPROC_DIR": "/tmp/joblook-metrics-x", "PATH": "/bin"}
    assert command_environment(environ) == {"PATH": "/bin", "PYTHONUNBUFFERED": "1"}
