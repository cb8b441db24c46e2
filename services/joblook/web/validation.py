"""Checking what clients send, so bad input is a clear 4xx and never reaches Redis or a path."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import orjson
from flask import Request

from joblook import record
from joblook.web.errors import ApiError


def json_object(request: Request, allowed: frozenset[str]) -> dict[str, object]:
    """The request's JSON object body; unknown keys are refused (a strict schema, not a filter)."""
    if not request.is_json:
        raise ApiError(415, "send a JSON body with Content-Type: application/json")
    body = strict_json(request.get_data())
    if not isinstance(body, dict):
        raise ApiError(400, "the body must be a JSON object")
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise ApiError(400, "unknown keys", {"unknown": unknown, "allowed": sorted(allowed)})
    return body


def strict_json(data: bytes) -> object:
    """Decode a request body, refusing what Python's json would let through to fail later.

    Flask's parser (the json module) accepts NaN and Infinity, decodes a lone surrogate
    (``"\\ud800"``) into a string that no encoder can write back (to Redis, to a reply), and
    overflows the stack on deep nesting: each was a 500. orjson refuses all three.
    """
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise ApiError(
            400,
            "the body is not valid JSON (strict: UTF-8 without lone surrogates, no NaN or"
            " Infinity, at most 1024 levels of nesting)",
            str(exc),
        ) from None


def task_id(value: object, name: str = "task_id") -> str:
    if value is None or value == "":
        raise ApiError(400, f"{name} is required")
    if not record.is_task_id(value):
        raise ApiError(400, f"{name} must be a UUID")
    return str(value)


# The largest integer a query may carry: JavaScript's largest safe one, and far inside the
# 64-bit range Redis computes list offsets in (an offset past it was a 500, not a 400).
MAX_INT_ARG = 2**53 - 1


def int_arg(args: Mapping[str, str], name: str, default: int | None, minimum: int) -> int | None:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"{name} must be an integer") from None
    if not minimum <= value <= MAX_INT_ARG:
        raise ApiError(400, f"{name} must be >= {minimum} and <= {MAX_INT_ARG}")
    return value


def positive_number(value: object, name: str) -> float | None:
    """An optional JSON number above zero (seconds, say); booleans are not numbers here."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1e9:
        raise ApiError(400, f"{name} must be a number of seconds above 0")
    return float(value)


def timestamp_arg(args: Mapping[str, str], name: str) -> float | None:
    """An ISO 8601 timestamp (e.g. a task's created_at) as epoch seconds, or None if absent."""
    raw = args.get(name)
    if not raw:
        return None
    try:
        return dt.datetime.fromisoformat(raw.replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise ApiError(
            400, f"{name} must be an ISO 8601 timestamp, like a task's created_at"
        ) from None


def choice(args: Mapping[str, str], name: str, options: tuple[str, ...]) -> str:
    value = args.get(name) or options[0]
    if value not in options:
        raise ApiError(400, f"{name} must be one of {', '.join(options)}")
    return value
