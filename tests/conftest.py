"""Fixtures shared by every test directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from joblook.store.logstore import LogStore
from tests.support import fluentd

# Headless Chromium and its pages, for every directory that drives one (registered once here).
from tests.support.browser import browser, console_errors, page
from tests.support.processes import Service, free_port
from tests.support.stack import Stack, redis_argv, running_stack
from tests.support.tools import missing_tool
from tests.support.waiting import wait_for

# Headless Chromium and its pages, for every directory that drives one: registered once, here.
__all__ = ["browser", "console_errors", "page"]

SHIPPERS = ("joblook", "fluentd")


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real redis-server on a free port for the whole session."""
    root = tmp_path_factory.mktemp("redis")
    port = free_port()
    server = Service("redis", redis_argv(port, root), {}, root)
    server.start()
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)

    def answers() -> bool:
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False

    wait_for(answers, 10, "redis-server to answer")
    client.close()
    yield url
    server.stop()


@pytest.fixture
def store(redis_url: str) -> Iterator[LogStore]:
    """A LogStore on an emptied database."""
    log_store = LogStore.from_url(redis_url)
    log_store.redis.flushdb()
    yield log_store
    log_store.redis.close()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Redis, web, worker and shipper as real processes, shared by tests that do not harm them."""
    with running_stack(tmp_path_factory.mktemp("stack")) as running:
        yield running


@pytest.fixture
def fresh_stack(tmp_path: Path) -> Iterator[Stack]:
    """A stack of its own, for a test that kills or restarts services."""
    with running_stack(tmp_path) as running:
        yield running


@pytest.fixture(params=SHIPPERS)
def shipper(request: pytest.FixtureRequest) -> str:
    """Each kind of shipper in turn: joblook's own, then real Fluentd (skipped when there is none,
    except on CI, where that fails)."""
    kind: str = request.param
    require_shipper(kind)
    return kind


def require_shipper(kind: str) -> None:
    """Skip a test of Fluentd when no fluentd runs here (fail it on CI)."""
    if kind == "fluentd" and fluentd.find() is None:
        missing_tool("no fluentd: set JOBLOOK_FLUENTD, or run ../shared/fluentd/install-deps")


@pytest.fixture
def shipper_stack(tmp_path: Path, shipper: str) -> Iterator[Stack]:
    """A stack of its own with each kind of shipper in turn, for the delivery guarantees."""
    with running_stack(tmp_path, shipper=shipper) as running:
        yield running
