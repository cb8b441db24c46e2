"""deploy/cluster/compose.yml and its nginx.conf, read without a Docker engine: the topology the
docs describe (docs/scaling.md), built from the single-host file's services."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.support.composestack import fill_env

from . import composefile
from .conftest import REPO_ROOT

CLUSTER_DIR = REPO_ROOT / "deploy" / "cluster"
CLUSTER_FILE = CLUSTER_DIR / "compose.yml"
NGINX_CONF = CLUSTER_DIR / "nginx.conf"
HOSTS = ("a", "b", "c")
# Other work (bench's compose profile, the live tests) names these services: keep them stable.
SERVICES = {"redis", "web", "balancer", "flower"} | {
    f"{kind}-{host}" for kind in ("worker", "fluentd") for host in HOSTS
}
FROM_SINGLE_HOST = {"redis": "redis", "web": "web", "flower": "flower"} | {
    f"{kind}-{host}": kind for kind in ("worker", "fluentd") for host in HOSTS
}


@pytest.fixture(scope="module")
def cluster() -> dict[str, Any]:
    """deploy/cluster/compose.yml as loaded YAML (merge keys applied, tags dropped)."""
    return composefile.load(CLUSTER_FILE)


@pytest.fixture(scope="module")
def nginx_conf() -> str:
    return NGINX_CONF.read_text(encoding="utf-8")


def test_cluster_file_is_valid_for_the_compose_spec(
    cluster: dict[str, Any], compose_schema: dict[str, Any]
) -> None:
    errors = list(jsonschema.Draft7Validator(compose_schema).iter_errors(cluster))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_cluster_runs_the_services_others_name(cluster: dict[str, Any]) -> None:
    assert set(cluster["services"]) == SERVICES
    assert cluster["services"]["web"]["deploy"]["replicas"] == 2


@pytest.mark.parametrize("name", sorted(FROM_SINGLE_HOST))
def test_services_extend_the_single_host_file_rather_than_copy_it(
    cluster: dict[str, Any], name: str
) -> None:
    service = cluster["services"][name]
    assert service["extends"] == {
        "file": "../../docker-compose.yml",
        "service": FROM_SINGLE_HOST[name],
    }
    copied = {"image", "build", "command", "healthcheck"} & set(service)
    assert not copied, f"{name} repeats {copied} instead of taking them from the single-host file"


def test_only_the_balancer_publishes_a_port(cluster: dict[str, Any]) -> None:
    resets = composefile.reset_keys(CLUSTER_FILE)
    publishing = {n for n, s in cluster["services"].items() if s.get("ports")}
    assert publishing == {"balancer"}
    # web and flower publish ports in the single-host file: the cluster must drop them.
    assert "ports" in resets["web"]
    assert "ports" in resets["flower"]


def test_each_worker_host_network_reaches_only_redis_and_the_balancer(
    cluster: dict[str, Any],
) -> None:
    members: dict[str, set[str]] = {}
    for name, service in cluster["services"].items():
        for network in service["networks"]:
            members.setdefault(network, set()).add(name)
    for host in HOSTS:
        assert members[f"host-{host}"] == {f"worker-{host}", f"fluentd-{host}", "redis", "balancer"}
    assert members["core"] == {"redis", "web", "balancer", "flower"}


def test_each_worker_host_has_a_task_log_volume_read_by_its_own_fluentd_only(
    cluster: dict[str, Any],
) -> None:
    services = cluster["services"]
    for host in HOSTS:
        logs = {m.source for m in composefile.mounts(services[f"worker-{host}"])
                if m.target == "/data/logs"}  # fmt: skip
        assert logs == {f"task-logs-{host}"}
        readers = {n for n, s in services.items()
                   if any(m.source in logs for m in composefile.mounts(s))}  # fmt: skip
        assert readers == {f"worker-{host}", f"fluentd-{host}"}
        fluentd_mounts = composefile.mounts(services[f"fluentd-{host}"])
        assert any(m.source in logs and m.read_only for m in fluentd_mounts)
        # Worker records go to its own host's Fluentd: the single-host file's `fluentd` name.
        aliases = services[f"fluentd-{host}"]["networks"][f"host-{host}"]["aliases"]
        assert aliases == ["fluentd"]


def test_fluentds_post_to_sync_through_the_balancer_which_the_web_accepts(
    cluster: dict[str, Any], nginx_conf: str
) -> None:
    services = cluster["services"]
    (listen,) = re.findall(r"^\s*listen (\d+);", nginx_conf, re.MULTILINE)
    for host in HOSTS:
        env = composefile.environment(services[f"fluentd-{host}"])
        assert env["JOBLOOK_SYNC_URL"] == f"http://balancer:{listen}/sync"
        assert (
            services[f"fluentd-{host}"]["depends_on"]["balancer"]["condition"] == "service_healthy"
        )
    allowed = composefile.resolved(
        composefile.environment(services["web"])["JOBLOOK_ALLOWED_HOSTS"]
    )
    assert "balancer" in allowed.split(",")
    (port,) = services["balancer"]["ports"]
    assert port.endswith(f":{listen}")


def test_balancer_checks_healthz_and_passes_websockets_and_streams(
    cluster: dict[str, Any], nginx_conf: str
) -> None:
    assert "/healthz" in " ".join(cluster["services"]["balancer"]["healthcheck"]["test"])
    settings = {
        "proxy_http_version": "1.1",
        "proxy_set_header Upgrade": "$http_upgrade",
        "proxy_set_header Connection": "$connection_upgrade",
        "proxy_buffering": "off",
        "proxy_next_upstream": "error timeout",
    }
    for key, value in settings.items():
        assert re.search(rf"^\s*{key}\s+{re.escape(value)};", nginx_conf, re.MULTILINE), key


def test_the_docs_start_the_cluster_as_the_live_tests_do() -> None:
    # ComposeStack(..., compose_file) runs `docker compose -f FILE --env-file .env` in a checkout.
    up = f"docker compose -f {CLUSTER_FILE.relative_to(REPO_ROOT)} --env-file .env up -d --wait"
    for page in ("scaling.md", "compose.md"):
        text = (REPO_ROOT / "docs" / page).read_text(encoding="utf-8")
        assert up in text.replace("\n   ", " "), page


@pytest.mark.parametrize("profiles", [(), ("s3",)], ids=["default", "s3-profile"])
def test_compose_accepts_the_cluster_file_with_what_it_extends(
    tmp_path: Path, profiles: tuple[str, ...]
) -> None:
    # `extends` brings each single-host service whole, depends_on included: a dependency on a
    # service only the single-host file has (its s3 profile's bucket step) breaks the cluster
    # file, and only Compose itself sees it.
    if shutil.which("docker") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("no docker CLI on CI, where .ci/run installs it")
        pytest.skip("no docker CLI")
    secrets = ("REDIS_PASSWORD", "JOBLOOK_TOKEN", "JOBLOOK_SYNC_TOKEN", "FLOWER_BASIC_AUTH")
    env = tmp_path / ".env"
    example = (REPO_ROOT / ".env.example").read_text(encoding="utf-8")
    env.write_text(fill_env(example, dict.fromkeys(secrets, "x" * 32)), encoding="utf-8")
    args = [f"--profile={p}" for p in profiles]
    done = subprocess.run(
        ["docker", "compose", "-f", str(CLUSTER_FILE), "--env-file", str(env), *args, "config",
         "--quiet"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
