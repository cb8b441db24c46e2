"""Real stand-ins for the shipper's neighbours: a local ``/sync`` server and task log writers."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import orjson

from joblook import record
from joblook.settings import Settings
from joblook.shipper.loop import Shipper
from tests.support.processes import free_port

TOKEN = "test-sync-token"


def settings_for(data_dir: Path, url: str, token: str | None = TOKEN) -> Settings:
    """Settings as ``joblook shipper`` would read them from its environment."""
    env = {"JOBLOOK_DATA_DIR": str(data_dir), "JOBLOOK_SYNC_URL": url}
    if token:
        env["JOBLOOK_SYNC_TOKEN"] = token
    return Settings.from_env(env)


class SyncServer:
    """``POST /sync`` like the web's: validates every record, 200 once all are good.

    Records the accepted batches and every request's headers; can answer the next requests with
    a given status, take ``delay`` seconds per request, refuse batches over ``max_records`` with
    413, or be down (connections refused) until ``start()``.
    """

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/sync"
        self.batches: list[list[bytes]] = []  # accepted ones, each record re-encoded
        self.bodies: list[bytes] = []  # accepted ones, as received
        self.headers: list[dict[str, str]] = []
        self.started_requests = 0
        self.delay = 0.0
        self.max_records: int | None = None
        self._failures: deque[int] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()  # cuts a delay short
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> SyncServer:
        self._stopping.clear()
        self._httpd = _HTTPServer(("127.0.0.1", self.port), self)
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,))
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None or self._thread is None:
            return
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.drop_connections()
        self._httpd.server_close()
        self._thread.join()
        self._httpd = self._thread = None

    def fail_next(self, count: int, status: int) -> None:
        with self._lock:
            self._failures.extend([status] * count)

    def records(self) -> list[bytes]:
        with self._lock:
            return [line for batch in self.batches for line in batch]

    def answer(self, headers: dict[str, str], body: bytes) -> int:
        with self._lock:
            self.started_requests += 1
            self.headers.append(headers)
            failure = self._failures.popleft() if self._failures else None
        if self.delay:
            self._stopping.wait(self.delay)
        if failure is not None:
            return failure
        try:
            items = orjson.loads(body)
            lines = [record.encode(record.from_mapping(item)) for item in items]
        except (orjson.JSONDecodeError, record.RecordError, TypeError):
            return 422
        if self.max_records is not None and len(lines) > self.max_records:
            return 413
        with self._lock:
            self.batches.append(lines)
            self.bodies.append(body)
        return 200


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = False  # so that server_close() waits for every handler: nothing leaks

    def __init__(self, address: tuple[str, int], owner: SyncServer) -> None:
        self.owner = owner
        self.connections: set[socket.socket] = set()
        super().__init__(address, _Handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        conn, address = super().get_request()
        self.connections.add(conn)
        return conn, address

    def drop_connections(self) -> None:
        """Kept-alive connections outlive ``shutdown()``: end them, as a stopped server would."""
        for conn in list(self.connections):
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        status = self.server.owner.answer(dict(self.headers), body)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


class TaskLog:
    """A task's log file, written the way the worker writes it: one complete line per write."""

    def __init__(self, logs_dir: Path) -> None:
        self.task_id = record.new_task_id()
        self.path = logs_dir / f"{self.task_id}.jsonl"
        self.lines: list[bytes] = []

    def output(self, count: int = 1, one_write: bool = False) -> list[bytes]:
        """Append ``count`` stdout records; returns their JSON lines (without newlines)."""
        new = self.next_lines(count)
        self._append(new, one_write)
        return new

    def next_lines(self, count: int) -> list[bytes]:
        """The JSON lines of the next ``count`` stdout records, counted as written."""
        first = len(self.lines) + 1
        new = [
            record.encode(
                record.OutputRecord(
                    self.task_id, seq, record.timestamp(), record.STDOUT, f"line {seq}\n"
                )
            )
            for seq in range(first, first + count)
        ]
        self.lines.extend(new)
        return new

    def finish(self) -> bytes:
        line = record.encode(
            record.status(self.task_id, len(self.lines) + 1, record.State.SUCCESS, 0)
        )
        self.lines.append(line)
        self._append([line], one_write=True)
        return line

    def raw(self, data: bytes) -> None:
        """Append bytes as they are (partial or malformed lines)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("ab") as out:
            out.write(data)

    def _append(self, lines: list[bytes], one_write: bool) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("ab", buffering=0) as out:
            if one_write:
                out.write(b"".join(line + b"\n" for line in lines))
            else:
                for line in lines:
                    out.write(line + b"\n")


class ShipperThread:
    """A ``Shipper`` running in a thread, as ``joblook shipper`` runs it in its main thread."""

    def __init__(self, settings: Settings, **options: Any) -> None:
        self.shipper = Shipper(settings, **options)
        self._thread = threading.Thread(target=self.shipper.run, name="shipper")
        self._thread.start()

    def stop(self) -> None:
        self.shipper.stop()
        self._thread.join(timeout=20)
        assert not self._thread.is_alive(), "the shipper did not stop"
