"""The secrets in Redis: encrypted, given back only with the key they were set with."""

from __future__ import annotations

import orjson
import pytest

from joblook import keys
from joblook.store.logstore import LogStore
from joblook.store.secrets import NO_KEY, SecretError, SecretStore, new_key


def test_a_value_comes_back_decrypted_with_its_key(store: LogStore) -> None:
    secrets = SecretStore(store.redis, new_key())
    secrets.put("DB_PASSWORD", "pässword-1")
    assert secrets.values(["DB_PASSWORD"]) == {"DB_PASSWORD": "pässword-1"}
    assert b"p\xc3\xa4ssword" not in store.redis.hget(keys.SECRETS, "DB_PASSWORD")  # type: ignore[operator]


def test_without_a_key_nothing_can_be_set_or_read(store: LogStore) -> None:
    SecretStore(store.redis, new_key()).put("DB_PASSWORD", "value-1")
    keyless = SecretStore(store.redis, None)
    with pytest.raises(SecretError, match=NO_KEY):
        keyless.put("OTHER", "value-2")
    with pytest.raises(SecretError, match=NO_KEY):
        keyless.values(["DB_PASSWORD"])
    assert [listed.name for listed in keyless.listed()] == ["DB_PASSWORD"]  # names need no key


def test_a_value_set_with_another_key_is_refused_not_garbled(store: LogStore) -> None:
    SecretStore(store.redis, new_key()).put("DB_PASSWORD", "value-1")
    with pytest.raises(SecretError, match="another JOBLOOK_SECRET_KEY"):
        SecretStore(store.redis, new_key()).values(["DB_PASSWORD"])


def test_a_token_altered_in_redis_is_refused(store: LogStore) -> None:
    key = new_key()
    SecretStore(store.redis, key).put("DB_PASSWORD", "value-1")
    entry = orjson.loads(store.redis.hget(keys.SECRETS, "DB_PASSWORD"))  # type: ignore[arg-type]
    entry["token"] = (
        entry["token"][:-6] + ("A" if entry["token"][-6] != "A" else "B") + entry["token"][-5:]
    )
    store.redis.hset(keys.SECRETS, "DB_PASSWORD", orjson.dumps(entry))
    with pytest.raises(SecretError):
        SecretStore(store.redis, key).values(["DB_PASSWORD"])


def test_missing_names_are_told_apart_from_set_ones(store: LogStore) -> None:
    secrets = SecretStore(store.redis, new_key())
    secrets.put("SET_ONE", "value-1")
    assert secrets.missing(["SET_ONE", "NOT_SET"]) == ["NOT_SET"]
    with pytest.raises(SecretError, match="secret not set: NOT_SET"):
        secrets.values(["SET_ONE", "NOT_SET"])
    assert secrets.delete("SET_ONE") and not secrets.delete("SET_ONE")
