"""Named secrets in Redis, each value encrypted with Fernet under ``JOBLOOK_SECRET_KEY``.

The web stores and lists them (never giving a value back); the worker decrypts the ones a task
asks for just before it runs it. A name is what the command sees as its environment variable.
Redis holds only the Fernet token (AES in CBC mode with an HMAC): without the key it reads as
noise, and a token altered in Redis fails to decrypt rather than giving a wrong value.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson
import redis
from cryptography.fernet import Fernet, InvalidToken

from joblook import keys
from joblook.record import timestamp

NO_KEY = "JOBLOOK_SECRET_KEY is not set"


class SecretError(Exception):
    """A secret that cannot be stored or given out; the message says why."""


@dataclass(frozen=True)
class Listed:
    """A secret as listed: its name and when it was last set, never its value."""

    name: str
    set_at: str


class SecretStore:
    """The secrets in ``redis``; ``key`` (a Fernet key) is needed to set or read a value."""

    def __init__(self, client: redis.Redis, key: str | None) -> None:
        self._redis = client
        self._fernet = Fernet(key.encode()) if key else None

    def put(self, name: str, value: str) -> Listed:
        """Set (or replace) ``name``; raises SecretError without a key."""
        token = self._cipher().encrypt(value.encode())
        listed = Listed(name, timestamp())
        entry = {"token": token.decode(), "set_at": listed.set_at}
        self._redis.hset(keys.SECRETS, name, orjson.dumps(entry))
        return listed

    def delete(self, name: str) -> bool:
        """False when there was no such secret."""
        return bool(self._redis.hdel(keys.SECRETS, name))

    def listed(self) -> list[Listed]:
        """Every secret, by name."""
        entries = self._redis.hgetall(keys.SECRETS)
        found = [
            Listed(name.decode(), orjson.loads(raw)["set_at"]) for name, raw in entries.items()
        ]
        return sorted(found, key=lambda listed: listed.name)

    def missing(self, names: list[str]) -> list[str]:
        """Those of ``names`` that are not set."""
        if not names:
            return []
        present = self._redis.hmget(keys.SECRETS, names)
        return [name for name, raw in zip(names, present, strict=True) if raw is None]

    def values(self, names: list[str]) -> dict[str, str]:
        """The values of ``names``, decrypted; raises SecretError for any it cannot give."""
        if not names:
            return {}
        found = self._redis.hmget(keys.SECRETS, names)
        gone = [name for name, raw in zip(names, found, strict=True) if raw is None]
        if gone:
            raise SecretError(f"secret not set: {', '.join(gone)}")
        cipher, values = self._cipher(), {}
        for name, raw in zip(names, found, strict=True):
            try:
                values[name] = cipher.decrypt(orjson.loads(raw)["token"].encode()).decode()
            except InvalidToken:
                message = f"secret {name} was set with another JOBLOOK_SECRET_KEY"
                raise SecretError(message) from None
        return values

    def _cipher(self) -> Fernet:
        if self._fernet is None:
            raise SecretError(NO_KEY)
        return self._fernet


def new_key() -> str:
    """A fresh key for JOBLOOK_SECRET_KEY."""
    return Fernet.generate_key().decode()
