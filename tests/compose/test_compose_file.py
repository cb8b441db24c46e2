"""docker-compose.yml on its own: a valid Compose file whose services are safe to run and scale."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from joblook.cli import COMMANDS
from joblook.settings import Settings

from . import composefile
from .conftest import COMPOSE_FILE, SECRETS

JOBLOOK_SERVICES = ("web", "worker", "worker-gpu", "scheduler", "flower")
QUEUE_WORKERS = ("worker-gpu",)  # a worker service per named queue: worker-<queue>


def test_compose_file_is_valid_for_the_compose_spec(
    compose: dict[str, Any], compose_schema: dict[str, Any]
) -> None:
    # ${VAR:-default} interpolations are plain strings to the schema, so the file validates as is.
    validator = jsonschema.Draft7Validator(compose_schema)
    errors = sorted(validator.iter_errors(compose), key=lambda error: list(error.absolute_path))
    assert not errors, "\n".join(
        f"{COMPOSE_FILE.name}: {'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in errors
    )


def test_compose_runs_the_expected_services(services: dict[str, Any]) -> None:
    expected = {"redis", "web", "worker", *QUEUE_WORKERS, "scheduler", "fluentd", "flower"}
    expected |= {"s3", "s3-bucket"}  # the s3 profile's (test_s3_profile.py)
    assert set(services) == expected


def test_services_run_the_joblook_commands(services: dict[str, Any]) -> None:
    assert services["web"]["command"] == ["joblook", "web"]
    assert services["worker"]["command"] == ["joblook", "worker"]
    assert services["flower"]["command"][:2] == ["joblook", "flower"]
    assert services["scheduler"]["command"] == ["joblook", "scheduler"]
    for name in JOBLOOK_SERVICES:
        program, subcommand = services[name]["command"][:2]
        assert program == "joblook"
        assert subcommand in COMMANDS, f"{name}: `joblook {subcommand}` is not a joblook command"


@pytest.mark.parametrize("name", QUEUE_WORKERS)
def test_each_named_queue_has_a_worker_service_like_the_default_one(
    services: dict[str, Any], name: str
) -> None:
    queue = name.removeprefix("worker-")
    command = services[name]["command"]
    assert command[:2] == ["joblook", "worker"]
    assert command[command.index("--queues") + 1] == queue
    worker = services["worker"]
    same = ("environment", "volumes", "healthcheck", "tmpfs", "mem_limit", "depends_on")
    assert {k: services[name][k] for k in same} == {k: worker[k] for k in same}
    assert "container_name" not in services[name]
    assert "ports" not in services[name]
    # Off by default: plain `docker compose up` must work on a machine without GPUs.
    assert services[name]["profiles"] == [queue]


def test_joblook_services_are_built_from_the_one_image(services: dict[str, Any]) -> None:
    builds = {name: services[name].get("build") for name in JOBLOOK_SERVICES}
    assert all(build == builds["web"] for build in builds.values()), builds
    assert builds["web"] == {"context": ".", "dockerfile": "services/Dockerfile"}


@pytest.mark.parametrize("name", ["worker", "scheduler"])
def test_workers_and_schedulers_can_be_scaled(services: dict[str, Any], name: str) -> None:
    # `docker compose up --scale worker=N` fails on a fixed container name or a host port.
    assert "container_name" not in services[name]
    assert "ports" not in services[name]


def _one_shots(services: dict[str, Any]) -> set[str]:
    """Services others wait for to exit 0 (``service_completed_successfully``)."""
    return {
        name
        for service in services.values()
        for name, wait in (service.get("depends_on") or {}).items()
        if wait["condition"] == "service_completed_successfully"
    }


def test_every_service_has_a_healthcheck(services: dict[str, Any]) -> None:
    for name, service in services.items():
        if name in _one_shots(services):
            # Its exit status is its health; it must not be restarted once it has exited 0.
            assert service["restart"] == "no", f"{name}: a one-shot restarts"
            continue
        check = service.get("healthcheck")
        assert check, f"{name} has no healthcheck"
        assert not check.get("disable"), f"{name} disables its healthcheck"
        assert check["test"][0] in ("CMD", "CMD-SHELL"), f"{name}: healthcheck test {check['test']}"


@pytest.mark.parametrize("name", JOBLOOK_SERVICES)
def test_joblook_services_wait_for_a_healthy_redis(services: dict[str, Any], name: str) -> None:
    assert services[name]["depends_on"]["redis"]["condition"] == "service_healthy"


def test_fluentd_starts_once_the_web_is_healthy(services: dict[str, Any]) -> None:
    assert services["fluentd"]["depends_on"]["web"]["condition"] == "service_healthy"


def test_redis_is_private_and_requires_a_password(services: dict[str, Any]) -> None:
    redis = services["redis"]
    assert "ports" not in redis, "Redis access is code execution: never publish it"
    command = redis["command"]
    password = command[command.index("--requirepass") + 1]
    assert password.startswith("${REDIS_PASSWORD:?")


def test_redis_persists_its_data_on_a_volume(compose: dict[str, Any]) -> None:
    redis = compose["services"]["redis"]
    command = redis["command"]
    assert command[command.index("--appendonly") + 1] == "yes"
    data = [mount for mount in composefile.mounts(redis) if mount.target == "/data"]
    assert data and data[0].source in compose["volumes"], "Redis's /data must be a named volume"


@pytest.mark.parametrize("name", JOBLOOK_SERVICES)
def test_services_reach_redis_with_its_password(services: dict[str, Any], name: str) -> None:
    url = composefile.environment(services[name])["REDIS_URL"]
    assert url.startswith("redis://:${REDIS_PASSWORD"), url
    assert url.endswith("@redis:6379/0"), url


def test_required_secrets_stop_compose_when_missing(compose: dict[str, Any]) -> None:
    # Every use of a secret is ${SECRET:?message}, so a missing .env entry fails at once with the
    # message instead of starting a service with an empty password or token.
    uses = [
        (secret, text)
        for text in composefile.strings(compose)
        for secret in SECRETS
        if f"${{{secret}" in text
    ]
    assert {secret for secret, _ in uses} == set(SECRETS)
    for secret, text in uses:
        assert f"${{{secret}:?" in text, f"{secret} is used without :? in {text!r}"


def test_no_secret_is_written_into_the_compose_file(services: dict[str, Any]) -> None:
    for name, service in services.items():
        for key, value in composefile.environment(service).items():
            if any(word in key for word in ("TOKEN", "PASSWORD", "AUTH", "SECRET")):
                assert composefile.variables(value), f"{name}: {key} must come from .env"


@pytest.mark.parametrize(("name", "port"), [("web", 8888), ("flower", 5555)])
def test_published_ports_default_to_the_host_loopback(
    services: dict[str, Any], name: str, port: int
) -> None:
    # "${ADDRESS_VAR:-127.0.0.1}:${PORT_VAR:-port}:port": loopback unless .env says otherwise.
    (mapping,) = services[name]["ports"]
    address, _, rest = mapping.partition("}:")
    assert address.startswith("${") and address.endswith(":-127.0.0.1"), mapping
    assert rest.endswith(f":{port}"), mapping


def test_services_listen_on_all_interfaces_of_their_container(services: dict[str, Any]) -> None:
    # 127.0.0.1 inside a container is unreachable through a published port or from fluentd.
    for name in ("web", "flower"):
        assert Settings.from_env(composefile.resolved_environment(services[name])).host == "0.0.0.0"


def test_healthchecks_and_ports_use_the_ports_the_services_listen_on(
    services: dict[str, Any],
) -> None:
    web = Settings.from_env(composefile.resolved_environment(services["web"]))
    flower = Settings.from_env(composefile.resolved_environment(services["flower"]))
    probes = {
        "web": (f"http://127.0.0.1:{web.port}/healthz", web.port),
        "flower": (f"http://127.0.0.1:{flower.flower_port}/healthcheck", flower.flower_port),
    }
    for name, (url, port) in probes.items():
        assert url in " ".join(services[name]["healthcheck"]["test"]), name
        assert services[name]["ports"][0].endswith(f":{port}"), name
