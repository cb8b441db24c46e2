"""Fixtures for the shipper: a real local /sync server, a data directory, shippers in threads."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from joblook.retry import Backoff
from joblook.settings import Settings
from tests.unit.shipper.shipper_fakes import ShipperThread, SyncServer, TaskLog, settings_for


@pytest.fixture
def sync_server() -> Iterator[SyncServer]:
    """A running /sync server on a free local port."""
    server = SyncServer().start()
    yield server
    server.stop()


@pytest.fixture
def settings(tmp_path: Path, sync_server: SyncServer) -> Settings:
    """Settings for a fresh data directory, sending to ``sync_server`` with a sync token."""
    return settings_for(tmp_path / "data", sync_server.url)


@pytest.fixture
def start_shipper(settings: Settings) -> Iterator[Callable[..., ShipperThread]]:
    """Start shippers in threads (fast backoff, no timely rescan); all stopped at the end."""
    running: list[ShipperThread] = []

    def start(custom: Settings | None = None, **options: Any) -> ShipperThread:
        options.setdefault("backoff", Backoff(first=0.02, cap=0.2, jitter=True))
        options.setdefault("rescan_interval", 30.0)  # so inotify alone must find every line
        shipper = ShipperThread(custom or settings, **options)
        running.append(shipper)
        return shipper

    yield start
    for shipper in running:
        shipper.stop()


@pytest.fixture
def new_task(settings: Settings) -> Callable[[], TaskLog]:
    """Make a task log writer in the shipper's logs directory."""
    return lambda: TaskLog(settings.logs_dir)
