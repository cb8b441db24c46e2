"""POSTing one JSON array body to ``/sync`` over a kept-alive connection."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from urllib3.exceptions import HTTPError, ProtocolError

log = logging.getLogger(__name__)

# Re-sending after a timeout is harmless (/sync is idempotent); a long read timeout only delays a
# graceful stop, which a second SIGTERM cuts short.
DEFAULT_TIMEOUT = urllib3.Timeout(connect=3.0, read=10.0)


class Unreachable(Exception):
    """No HTTP answer: refused, reset, timed out. The message says which."""


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    detail: str  # the start of the response body, for logs

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class Sender:
    """One connection to the sync URL (urllib3 keeps it alive; TCP_NODELAY is its default)."""

    def __init__(
        self, url: str, token: str | None, timeout: urllib3.Timeout = DEFAULT_TIMEOUT
    ) -> None:
        parts = urlsplit(url)
        self.url = url
        self._target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._pool = urllib3.connection_from_url(url, maxsize=1, timeout=timeout, retries=False)
        self._headers = {"Content-Type": "application/json"}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"

    def post(self, body: bytes) -> Answer:
        """Send ``body``; a kept-alive connection the server closed meanwhile gets one more try."""
        try:
            return self._post(body)
        except ProtocolError as exc:
            log.debug("connection dropped (%s), sending again on a new one", exc)
        try:
            return self._post(body)
        except ProtocolError as exc:
            raise Unreachable(str(exc)) from None

    def close(self) -> None:
        self._pool.close()

    def _post(self, body: bytes) -> Answer:
        try:
            response = self._pool.urlopen(
                "POST",
                self._target,
                body=body,
                headers=self._headers,
                redirect=False,
                assert_same_host=False,
            )
        except ProtocolError:
            raise
        except (HTTPError, OSError) as exc:
            raise Unreachable(str(exc)) from None
        detail = response.data[:200].decode("utf-8", "replace")
        return Answer(response.status, detail)
