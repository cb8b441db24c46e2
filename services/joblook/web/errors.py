"""One JSON error shape for the whole API: ``{"error": "...", "detail": ...}``, 4xx or 503."""

from __future__ import annotations

import logging

import kombu.exceptions
import redis
from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class ApiError(Exception):
    """Raised anywhere in a request to answer with a JSON error."""

    def __init__(self, status: int, error: str, detail: object = None) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.detail = detail


def error_body(error: str, detail: object = None) -> dict[str, object]:
    """The error shape, for the few answers given outside Flask (the Host check)."""
    body: dict[str, object] = {"error": error}
    if detail is not None:
        body["detail"] = detail
    return body


def error_response(status: int, error: str, detail: object = None) -> tuple[Response, int]:
    return jsonify(error_body(error, detail)), status


def init_app(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> tuple[Response, int]:
        return error_response(exc.status, exc.error, exc.detail)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> tuple[Response, int]:
        return error_response(exc.code or 500, exc.description or exc.name)

    @app.errorhandler(redis.exceptions.ConnectionError)
    @app.errorhandler(redis.exceptions.TimeoutError)
    # The broker: Redis down while queueing, or every pooled connection busy past the wait.
    @app.errorhandler(kombu.exceptions.OperationalError)
    def _store_down(exc: Exception) -> tuple[Response, int]:
        # 503 is retryable for Fluentd and the shipper: the records are sent again, not lost.
        log.warning("store unavailable: %s", exc)
        return error_response(503, "store unavailable, retry later")
