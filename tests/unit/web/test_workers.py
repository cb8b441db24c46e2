"""The worker count /healthz reports comes from a background ping, never from the request."""

from __future__ import annotations

from flask.testing import FlaskClient

from joblook.web.workers import WorkerCount


def _broker_down() -> int:
    raise ConnectionError("broker unreachable")


def test_the_count_is_the_latest_ping_and_zero_when_the_broker_cannot_be_reached() -> None:
    workers = WorkerCount()
    workers.refresh(lambda: 3)
    assert workers.count == 3
    workers.refresh(_broker_down)
    assert workers.count == 0


def test_healthz_reads_the_count_without_pinging(client: FlaskClient) -> None:
    workers: WorkerCount = client.application.extensions["joblook.workers"]
    workers.refresh(lambda: 2)
    assert client.get("/healthz").get_json()["workers"] == 2


def test_the_roster_is_unknown_rather_than_empty_when_it_cannot_be_read() -> None:
    workers = WorkerCount()
    workers.refresh_roster(lambda: [])
    assert workers.roster == []
    workers.refresh_roster(_roster_down)
    assert workers.roster is None  # "no worker serves queue X" would be a guess


def _roster_down() -> list:
    raise ConnectionError("redis unreachable")
