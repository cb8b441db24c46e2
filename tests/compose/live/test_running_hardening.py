"""The hardening of docker-compose.yml as the running containers show it (tests/compose/
test_hardening.py checks the file itself)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.support.composestack import ComposeStack

SERVICES = ("redis", "web", "worker", "fluentd", "flower")


def _pids_and_uids(container: str) -> list[tuple[int, int]]:
    done = subprocess.run(
        ["docker", "top", container, "-eo", "pid,uid"],
        capture_output=True, text=True, timeout=30, check=True,
    )  # fmt: skip
    rows = [line.split() for line in done.stdout.splitlines()[1:] if line.strip()]
    return [(int(pid), int(uid)) for pid, uid in rows]


@pytest.mark.parametrize("service", SERVICES)
def test_no_process_runs_as_root_or_holds_a_capability(stack: ComposeStack, service: str) -> None:
    for container in stack.containers(service):
        processes = _pids_and_uids(container)
        assert processes, f"{service}: no processes"
        assert all(uid != 0 for _, uid in processes), processes
        for pid, _ in processes:
            status = Path(f"/proc/{pid}/status").read_text().splitlines()
            (cap_eff,) = [line.split()[1] for line in status if line.startswith("CapEff:")]
            assert int(cap_eff, 16) == 0, f"{service} pid {pid}: CapEff {cap_eff}"


@pytest.mark.parametrize("service", SERVICES)
def test_docker_applies_no_new_privileges_a_pids_limit_and_a_read_only_root(
    stack: ComposeStack, service: str
) -> None:
    for container in stack.containers(service):
        host = stack.inspect(container)["HostConfig"]
        assert "no-new-privileges:true" in host["SecurityOpt"]
        assert host["PidsLimit"] and host["PidsLimit"] > 0
        assert host["CapDrop"] == ["ALL"] and not host["CapAdd"]
        assert host["ReadonlyRootfs"] is True
        assert host["Privileged"] is False


@pytest.mark.parametrize("service", SERVICES)
def test_a_write_outside_the_volumes_and_tmpfs_fails(stack: ComposeStack, service: str) -> None:
    outside = subprocess.run(
        ["docker", "exec", stack.containers(service)[0], "touch", "/written-by-a-test"],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert outside.returncode != 0
    assert "Read-only file system" in outside.stderr
    scratch = subprocess.run(
        ["docker", "exec", stack.containers(service)[0], "touch", "/tmp/written-by-a-test"],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    if service != "redis":  # redis has no tmpfs: it writes /data only
        assert scratch.returncode == 0, scratch.stderr


def test_a_command_cannot_write_outside_the_logs_volume_and_tmp(stack: ComposeStack) -> None:
    task_id = stack.enqueue("touch /app/x 2>&1; touch /data/x 2>&1; touch /tmp/x && echo tmp ok")
    log = stack.wait_finished(task_id)
    out = "".join(r["log"] for r in log["records"] if r["stream"] == "stdout")
    assert out.count("Read-only file system") == 2 and out.endswith("tmp ok\n"), out


def test_redis_is_not_published_on_the_host(stack: ComposeStack) -> None:
    (container,) = stack.containers("redis")
    inspected = stack.inspect(container)
    assert not inspected["HostConfig"]["PortBindings"]
    assert all(not bound for bound in inspected["NetworkSettings"]["Ports"].values())


@pytest.mark.parametrize(("service", "port"), [("web", "8888/tcp"), ("flower", "5555/tcp")])
def test_web_and_flower_are_published_on_loopback_only(
    stack: ComposeStack, service: str, port: str
) -> None:
    (container,) = stack.containers(service)
    bound = stack.inspect(container)["NetworkSettings"]["Ports"]
    published = {key: value for key, value in bound.items() if value}
    assert list(published) == [port], bound
    assert {b["HostIp"] for b in published[port]} == {"127.0.0.1"}


@pytest.mark.parametrize("service", SERVICES)
def test_every_healthcheck_goes_healthy(stack: ComposeStack, service: str) -> None:
    assert stack.health(service) == ["healthy"] * len(stack.containers(service))
