"""Container hardening in docker-compose.yml: non-root users, no capabilities, no privilege
escalation, pids and memory limits, read-only root filesystems with the writable paths each
service needs. Checked statically: what Docker does with these keys needs a Docker engine."""

from __future__ import annotations

import re
from typing import Any

import pytest

from . import composefile
from .conftest import COMPOSE_FILE
from .dockerfile import Stage

JOBLOOK_SERVICES = ("web", "worker", "scheduler", "flower", "s3-bucket")
ALL_SERVICES = ("redis", "web", "worker", "scheduler", "fluentd", "flower", "s3", "s3-bucket")
WORKERS = ("worker",)

# The image's USER in services/Dockerfile.
JOBLOOK_UID = "10001"
# The capabilities the official Redis image's entrypoint needs when started as root (chown of
# /data, then gosu/su-exec to the redis user). Allowed only if redis is not started as that user.
REDIS_ROOT_CAPABILITIES = {"CHOWN", "SETUID", "SETGID"}

# Where each service must be able to write although its root filesystem is read-only.
WRITABLE_PATHS = {
    "redis": ("/data",),
    "web": ("/tmp",),
    "worker": ("/tmp", "/data/logs"),
    "fluentd": ("/tmp", "/fluentd/log"),
    "flower": ("/tmp",),
    "scheduler": ("/tmp",),
    "s3": ("/data", "/tmp"),
    "s3-bucket": ("/tmp",),
}

_SIZE = re.compile(r"(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>[bkmg]?)b?", re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def _bytes(value: Any) -> int:
    """A Docker size ("512m", "4g", 1073741824) in bytes, after taking the defaults of any
    ``${VAR:-default}``."""
    match = _SIZE.fullmatch(composefile.resolved(value).strip())
    assert match, f"not a size: {value!r}"
    return int(float(match["number"]) * _UNITS[match["unit"].lower()])


def _capability(name: str) -> str:
    return name.upper().removeprefix("CAP_")


def _runs_as_root(service: dict[str, Any]) -> bool:
    user = str(service.get("user", "")).split(":")[0]
    return user in ("root", "0")


def test_compose_file_has_no_duplicate_keys() -> None:
    # PyYAML keeps the last of two equal keys, so the tests would pass on a file that
    # `docker compose` refuses to load.
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    assert composefile.duplicate_keys(text) == []


def test_duplicate_key_reader_finds_a_repeated_key() -> None:
    text = "services:\n  a:\n    x: 1\n    y: 2\n    x: 3\n"
    assert composefile.duplicate_keys(text) == ["x (line 5)"]


@pytest.mark.parametrize("name", ALL_SERVICES)
def test_every_service_drops_all_capabilities(services: dict[str, Any], name: str) -> None:
    service = services[name]
    assert [_capability(each) for each in service.get("cap_drop") or []] == ["ALL"], name
    added = {_capability(each) for each in service.get("cap_add") or []}
    if name == "redis" and (_runs_as_root(service) or "user" not in service):
        # Started as root, the image's entrypoint may keep exactly what it needs to drop to redis.
        assert added <= REDIS_ROOT_CAPABILITIES, added
    else:
        assert added == set(), f"{name} adds back {sorted(added)}"


def test_redis_runs_as_its_image_user_without_capabilities(services: dict[str, Any]) -> None:
    redis = services["redis"]
    assert "user" in redis and not _runs_as_root(redis), redis.get("user")
    uid, _, gid = redis["user"].partition(":")
    # The alpine image's redis account: UID 999, group redis with GID 1000.
    assert (uid, gid) == ("999", "1000")
    assert not redis.get("cap_add")


@pytest.mark.parametrize("name", ALL_SERVICES)
def test_every_service_forbids_gaining_new_privileges(services: dict[str, Any], name: str) -> None:
    options = {option.replace("=", ":") for option in services[name].get("security_opt") or []}
    assert options & {"no-new-privileges:true", "no-new-privileges"}, name
    assert "no-new-privileges:false" not in options


@pytest.mark.parametrize("name", ALL_SERVICES)
def test_every_service_has_a_pids_limit(services: dict[str, Any], name: str) -> None:
    limit = services[name].get("pids_limit")
    assert limit is not None, f"{name} has no pids_limit"
    assert int(composefile.resolved(limit)) > 0, f"{name}: pids_limit {limit!r} is unlimited"


@pytest.mark.parametrize("name", WORKERS)
def test_workers_pids_limit_is_tunable_from_env(services: dict[str, Any], name: str) -> None:
    assert composefile.variables(str(services[name]["pids_limit"])) == ["WORKER_PIDS_LIMIT"]


@pytest.mark.parametrize("name", WORKERS)
def test_workers_have_a_memory_limit_without_extra_swap(
    services: dict[str, Any], name: str
) -> None:
    worker = services[name]
    limits = worker.get("deploy", {}).get("resources", {}).get("limits", {})
    memory = worker.get("mem_limit", limits.get("memory"))
    assert memory is not None, f"{name} has no memory limit"
    assert composefile.variables(str(memory)) == ["WORKER_MEMORY_LIMIT"]
    assert _bytes(memory) >= 256 * 1024**2, f"{name}: memory limit {memory!r} is too small to run"
    # Unset, Docker lets the container swap as much again as its memory limit.
    assert worker.get("memswap_limit") == memory


def test_worker_tmp_fits_in_its_memory_limit(services: dict[str, Any]) -> None:
    # tmpfs pages are charged to the container's memory cgroup.
    worker = services["worker"]
    options = dict(
        option.partition("=")[::2] for option in composefile.tmpfs(worker)["/tmp"].split(",")
    )
    assert "size" in options, "an unbounded tmpfs could take all of the worker's memory"
    assert _bytes(options["size"]) < _bytes(worker["mem_limit"])


@pytest.mark.parametrize("name", ALL_SERVICES)
def test_every_service_has_a_read_only_root_filesystem(services: dict[str, Any], name: str) -> None:
    assert services[name].get("read_only") is True, name


@pytest.mark.parametrize("name", ALL_SERVICES)
def test_read_only_services_can_write_where_they_must(services: dict[str, Any], name: str) -> None:
    service = services[name]
    writable = set(composefile.tmpfs(service)) | {
        mount.target for mount in composefile.mounts(service) if not mount.read_only
    }
    missing = set(WRITABLE_PATHS[name]) - writable
    assert not missing, f"{name} cannot write {sorted(missing)}"


@pytest.mark.parametrize("name", JOBLOOK_SERVICES)
def test_joblook_services_have_a_bounded_tmpfs_on_tmp(services: dict[str, Any], name: str) -> None:
    options = composefile.tmpfs(services[name]).get("/tmp")
    assert options is not None, f"{name} has no tmpfs on /tmp"
    assert "size=" in options, f"{name}: /tmp tmpfs without a size"


def test_worker_commands_get_a_writable_home(services: dict[str, Any]) -> None:
    # The image user's home is /data, read-only under read_only: true except for /data/logs.
    worker = services["worker"]
    home = composefile.resolved_environment(worker).get("HOME")
    assert home, "the worker must set HOME: the image user's home is read-only"
    assert home in composefile.tmpfs(worker), f"HOME={home} is not a tmpfs"


@pytest.mark.parametrize("name", JOBLOOK_SERVICES)
def test_joblook_services_run_as_the_non_root_image_user(
    services: dict[str, Any], image: list[Stage], name: str
) -> None:
    assert "user" not in services[name], f"{name} overrides the image's USER"
    assert image[-1].user == f"{JOBLOOK_UID}:{JOBLOOK_UID}"


@pytest.mark.parametrize("name", ALL_SERVICES)
def test_no_service_is_privileged_or_shares_host_namespaces(
    services: dict[str, Any], name: str
) -> None:
    service = services[name]
    assert not service.get("privileged"), name
    assert not _runs_as_root(service), f"{name} runs as root"
    for key in ("pid", "ipc", "network_mode", "userns_mode"):
        assert service.get(key) != "host", f"{name}: {key}: host"
