"""A small HTTP client for the joblook API (``JOBLOOK_URL``, ``JOBLOOK_TOKEN``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import urllib3

DEFAULT_URL = "http://127.0.0.1:8888"


class ApiError(Exception):
    """The API refused a request, or could not be reached; the message says which and why."""


class Client:
    def __init__(self, base_url: str, token: str | None = None, timeout: float = 30) -> None:
        self.base_url = base_url.rstrip("/")
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = urllib3.PoolManager(retries=False, timeout=timeout)

    def enqueue(self, cmd: str, timeout: float | None = None, **options: Any) -> str:
        """Queue ``cmd``; ``options``: more enqueue fields (retries, retry_delay), None left out."""
        body: dict[str, Any] = {"cmd": cmd, "timeout": timeout, **options}
        body = {key: value for key, value in body.items() if value is not None}
        return str(self._json("POST", "/enqueue", body)["task_id"])

    def rerun(self, task_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        return self._json("POST", f"/tasks/{quote(task_id)}/rerun", changes)

    def enqueue_json(self, body: dict[str, Any]) -> dict[str, Any]:
        """POST /enqueue with any of its forms (a job, a sweep, a batch); its reply."""
        return self._json("POST", "/enqueue", body)

    def task(self, task_id: str) -> dict[str, Any]:
        return self._json("GET", f"/tasks/{quote(task_id)}")

    def tasks(
        self, limit: int, state: str | None = None, grep: str | None = None, output: bool = False
    ) -> list[dict[str, Any]]:
        query: dict[str, Any] = {"limit": limit, **({"state": state} if state else {})}
        if grep:
            query |= {"q": grep, "output": int(output)}
        return list(self._json("GET", f"/tasks?{urlencode(query)}")["tasks"])

    def search(
        self, task_id: str, q: str, regex: bool = False, case: bool = False
    ) -> Iterator[dict[str, Any]]:
        """Every line of the task's output that matches, in order, a page at a time."""
        query: dict[str, Any] = {"q": q, "regex": int(regex), "case": int(case), "limit": 500}
        after = None
        while True:
            page_query = query if after is None else query | {"after": after}
            path = f"/tasks/{quote(task_id)}/search?{urlencode(page_query)}"
            page = self._json("GET", path)
            yield from page["matches"]
            after = page["next"]
            if after is None:
                return

    def cancel(self, task_id: str) -> dict[str, Any]:
        return self._json("DELETE", f"/tasks/{quote(task_id)}", allow={409})

    def schedules(self) -> dict[str, Any]:
        return self._json("GET", "/schedules")

    def add_schedule(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._json("POST", "/schedules", body)

    def change_schedule(self, schedule_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        return self._json("PATCH", f"/schedules/{quote(schedule_id)}", changes)

    def delete_schedule(self, schedule_id: str) -> dict[str, Any]:
        return self._json("DELETE", f"/schedules/{quote(schedule_id)}")

    def call(self, method: str, path: str, body: object = None) -> dict[str, Any]:
        """Any JSON call (the ``users`` commands')."""
        return self._json(method, path, body)

    @staticmethod
    def quoted(segment: str) -> str:
        """A path segment, quoted (a user name may hold ``@`` or ``+``)."""
        return quote(segment, safe="")

    def secrets(self) -> dict[str, Any]:
        return self._json("GET", "/secrets")

    def put_secret(self, name: str, value: str) -> dict[str, Any]:
        return self._json("PUT", f"/secrets/{quote(name, safe='')}", {"value": value})

    def delete_secret(self, name: str) -> dict[str, Any]:
        return self._json("DELETE", f"/secrets/{quote(name, safe='')}")

    def records(self, task_id: str, follow: bool) -> Iterator[dict[str, Any]]:
        """The task's records in order; with ``follow``, live until the task ends."""
        query = urlencode({"format": "jsonl", "follow": int(follow)})
        path = f"/tasks/{quote(task_id)}/log?{query}"
        response = self._request("GET", path, preload_content=False, timeout=None)
        try:
            pending = b""
            for piece in response.stream(64 * 1024):
                pending += piece
                *lines, pending = pending.split(b"\n")
                for line in lines:
                    if line:
                        yield json.loads(line)
        finally:
            response.release_conn()

    def _json(
        self, method: str, path: str, body: object = None, allow: set[int] | None = None
    ) -> dict[str, Any]:
        response = self._request(method, path, body=body, allow=allow)
        return dict(json.loads(response.data))

    def _request(
        self,
        method: str,
        path: str,
        body: object = None,
        allow: set[int] | None = None,
        **options: Any,
    ) -> urllib3.BaseHTTPResponse:
        headers = dict(self.headers)
        if body is not None:
            headers["Content-Type"] = "application/json"
        try:
            response = self.http.request(
                method,
                self.base_url + path,
                body=None if body is None else json.dumps(body).encode(),
                headers=headers,
                **options,
            )
        except urllib3.exceptions.HTTPError as exc:
            raise ApiError(f"cannot reach joblook at {self.base_url}: {exc}") from None
        if response.status >= 400 and response.status not in (allow or set()):
            raise ApiError(_describe_error(response))
        return response


def _describe_error(response: urllib3.BaseHTTPResponse) -> str:
    try:
        payload = json.loads(response.data)
        message = payload.get("error") or response.reason
        detail = payload.get("detail")
    except (ValueError, AttributeError):
        message, detail = response.reason, None
    text = f"HTTP {response.status}: {message}"
    return f"{text} ({json.dumps(detail)})" if detail is not None else text
