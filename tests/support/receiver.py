"""A small HTTP server that takes JSON POSTs, for the webhook and notice tests."""

from __future__ import annotations

import http.server
import json
import threading
from typing import Any

from tests.support.processes import free_port


class Receiver:
    """A JSON receiver (a webhook, an Apprise json:// target) on a free port; fails the first
    ``failures`` requests with a 500, answers the others with ``ok_status``."""

    def __init__(self, failures: int = 0, ok_status: int = 204) -> None:
        self.port = free_port()
        self.failures = failures
        self.requests: list[dict[str, Any]] = []  # every request, failed ones too
        self.delivered: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with receiver.lock:
                    receiver.requests.append(body)
                    failing = len(receiver.requests) <= receiver.failures
                    if not failing:
                        receiver.delivered.append(body)
                self.send_response(500 if failing else ok_status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
