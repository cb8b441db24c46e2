"""Fixtures for the web app's unit tests: the real app on the session's Redis, threading mode."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from joblook.settings import Settings
from joblook.store.logstore import LogStore
from joblook.web import create_app

AppFactory = Callable[..., Flask]


@pytest.fixture
def make_app(store: LogStore, redis_url: str, tmp_path: Path) -> Iterator[AppFactory]:
    """Build the app with extra environment settings (e.g. tokens)."""
    built: list[Flask] = []

    def build(message_queue: bool = True, **env: str) -> Flask:
        settings = Settings.from_env(
            {"REDIS_URL": redis_url, "JOBLOOK_DATA_DIR": str(tmp_path), **env}
        )
        app = create_app(settings, async_mode="threading", message_queue=message_queue)
        app.config["TESTING"] = True
        built.append(app)
        return app

    yield build
    for app in built:
        app.extensions["joblook.feed"].close()
        app.extensions["joblook.livestats"].close()


@pytest.fixture
def client(make_app: AppFactory) -> Iterator[FlaskClient]:
    """A test client of the app with no tokens configured."""
    with make_app().test_client() as test_client:
        yield test_client
