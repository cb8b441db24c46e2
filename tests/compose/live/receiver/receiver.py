"""A notice receiver for the live compose tests: prints every POST's body as one JSON line on
stdout (`docker compose logs receiver`) and answers 200. GET /healthz is its healthcheck."""

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        line = {"path": self.path, "body": body.decode("utf-8", "replace")}
        sys.stdout.write(json.dumps(line) + "\n")
        sys.stdout.flush()
        self.send_response(200)
        self.end_headers()

    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/healthz" else 404)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass  # stdout carries the bodies only


# All interfaces of its container: the workers reach it by name on the compose network.
ThreadingHTTPServer(("0.0.0.0", 8000), Receiver).serve_forever()
