"""A ``json``-module stand-in backed by orjson, for Socket.IO packets (record batches)."""

from __future__ import annotations

from typing import Any

import orjson


def dumps(obj: Any, **_kwargs: Any) -> str:
    return orjson.dumps(obj).decode()


def loads(data: str | bytes, **_kwargs: Any) -> Any:
    return orjson.loads(data)
