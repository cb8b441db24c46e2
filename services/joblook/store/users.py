"""Users and their tokens, in Redis.

A token is shown once, when it is made, and only its digest is kept. The digest is HMAC-SHA256
under a fixed, joblook-specific key, not a slow password hash (bcrypt, scrypt, argon2): tokens are
32 random bytes, so no guessing or precomputed table gets anywhere near one, while a slow hash
would cost every request tens of milliseconds and, salted per user, rule out finding the user by
the digest. The fixed key only separates these digests from any other SHA-256 of the same text.
The lookup goes by digest (what the caller controls is hashed first), and the stored digest is
compared again in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from importlib import resources

import orjson
import redis

from joblook import keys, roles
from joblook.record import timestamp

TOKEN_BYTES = 32
# So a leaked token is recognisable (secret scanners, logs).
TOKEN_PREFIX = "jl_"  # noqa: S105 (a prefix, no secret)
_DIGEST_KEY = b"joblook user token v1"
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}")
"""A user name: letters, digits and ``. _ @ + -`` (an e-mail address fits, as SSO proxies send),
at most 100 characters, starting with a letter or digit."""
SHARED_ADMIN = "admin"
"""The name of whoever presents ``JOBLOOK_TOKEN`` (the admin of a one-person setup)."""
ANONYMOUS = "anonymous"
"""The name of every caller when ``JOBLOOK_AUTH=none`` (each is an admin, on loopback only)."""
RESERVED = frozenset({SHARED_ADMIN, ANONYMOUS})
"""Names no user may take: who did what must never be ambiguous."""


class UserError(ValueError):
    """A request about users that cannot be done; ``status`` is its HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class User:
    name: str
    role: str
    added_at: str

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "role": self.role, "added_at": self.added_at}


def digest(token: str) -> str:
    return hmac.new(_DIGEST_KEY, token.encode(), hashlib.sha256).hexdigest()


def checked_name(name: object) -> str:
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise UserError(400, f"bad user name {name!r}: {NAME.pattern} (letters, digits, ._@+-)")
    return name


class Users:
    def __init__(self, client: redis.Redis) -> None:
        self.redis = client
        script = resources.files("joblook.store").joinpath("user_by_token.lua").read_text()
        self._by_token = client.register_script(script)

    def add(self, name: str, role: str) -> str:
        """Add a user; their new token (shown once). 409 when the name is taken."""
        checked_name(name)
        roles.checked(role)
        if name in RESERVED:
            raise UserError(409, f"{name!r} is reserved: pick another name")
        token = _new_token()
        entry = {"role": role, "digest": digest(token), "added_at": timestamp()}
        if not self.redis.hsetnx(keys.USERS, name, orjson.dumps(entry)):
            raise UserError(409, f"there is already a user {name!r}")
        self.redis.hset(keys.USER_TOKENS, entry["digest"], name)
        return token

    def get(self, name: str) -> User | None:
        raw = self.redis.hget(keys.USERS, name)
        return None if raw is None else _user(name, raw)

    def all(self) -> list[User]:
        """Every user, by name."""
        found = self.redis.hgetall(keys.USERS)
        return sorted((_user(_text(n), raw) for n, raw in found.items()), key=lambda u: u.name)

    def set_role(self, name: str, role: str) -> User:
        roles.checked(role)
        entry = self._entry(name)
        self.redis.hset(keys.USERS, name, orjson.dumps(entry | {"role": role}))
        return _user(name, orjson.dumps(entry | {"role": role}))

    def new_token(self, name: str) -> str:
        """A new token for ``name``; the old one stops working at once."""
        entry = self._entry(name)
        token = _new_token()
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.hdel(keys.USER_TOKENS, entry["digest"])
            pipe.hset(keys.USERS, name, orjson.dumps(entry | {"digest": digest(token)}))
            pipe.hset(keys.USER_TOKENS, digest(token), name)
            pipe.execute()
        return token

    def remove(self, name: str) -> None:
        entry = self._entry(name)
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.hdel(keys.USER_TOKENS, entry["digest"])
            pipe.hdel(keys.USERS, name)
            pipe.execute()

    def by_token(self, token: str) -> User | None:
        """The user ``token`` belongs to, or None. Exact on every call (no cache): a removed
        user's or a replaced token stops working at once. One script call, not two reads: each
        round trip costs the web ~0.25 ms of CPU on eventlet, on every API request."""
        wanted = digest(token)
        found = self._by_token(keys=[keys.USER_TOKENS, keys.USERS], args=[wanted])
        if found is None:
            return None
        name, raw = found
        entry = orjson.loads(raw)
        if not hmac.compare_digest(str(entry.get("digest", "")), wanted):
            return None  # the name's entry holds another token's digest (not one we issued)
        return _user(_text(name), raw)

    def sso_role(self, default: str) -> str:
        """The role users named by the SSO proxy get: the admin's choice, else ``default``."""
        chosen = self.redis.get(keys.SSO_ROLE)
        return _text(chosen) if chosen is not None and _text(chosen) in roles.ROLES else default

    def set_sso_role(self, role: str) -> None:
        self.redis.set(keys.SSO_ROLE, roles.checked(role))

    def _entry(self, name: str) -> dict[str, str]:
        raw = self.redis.hget(keys.USERS, checked_name(name))
        if raw is None:
            raise UserError(404, f"there is no user {name!r}")
        return dict(orjson.loads(raw))


def _new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)


def _user(name: str, raw: bytes | str) -> User:
    entry = orjson.loads(raw)
    return User(name=name, role=entry["role"], added_at=entry.get("added_at", ""))


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
