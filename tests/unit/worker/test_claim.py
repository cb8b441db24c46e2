"""Claiming a task id: the first delivery wins, later ones learn who holds it."""

from __future__ import annotations

import uuid

import pytest
import redis

from joblook import keys
from joblook.worker.claim import CLAIM_TTL, ClaimUnavailable, claim
from tests.support.processes import free_port


@pytest.fixture
def client(redis_url: str) -> redis.Redis:
    return redis.Redis.from_url(redis_url)


def test_the_first_claim_wins_and_later_ones_name_the_holder(client: redis.Redis) -> None:
    task_id = str(uuid.uuid4())
    assert claim(client, task_id, "host-a:1") is None
    assert claim(client, task_id, "host-b:2") == "host-a:1"
    assert claim(client, task_id, "host-a:1") == "host-a:1"  # even the same owner runs it once


def test_a_claim_expires_long_after_any_redelivery(client: redis.Redis) -> None:
    task_id = str(uuid.uuid4())
    claim(client, task_id, "host-a:1")
    assert CLAIM_TTL - 5 <= client.ttl(keys.claim(task_id)) <= CLAIM_TTL


def test_an_unreachable_redis_refuses_the_claim_instead_of_running_twice() -> None:
    nowhere = redis.Redis(port=free_port(), socket_connect_timeout=0.2)
    with pytest.raises(ClaimUnavailable, match="cannot reach Redis"):
        claim(nowhere, str(uuid.uuid4()), "host-a:1", patience=0.1)
