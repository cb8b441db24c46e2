"""The reference relay: the proof of concept's design, one HTTP POST per line re-emitted to a
Socket.IO room. Minimal on purpose (no store, no auth, no message queue): whatever joblook does
beyond relaying costs it, never the reference.

Run as ``python -m bench.relay_app --port N``; like ``joblook web`` it serves on eventlet.
"""

from __future__ import annotations

import eventlet

eventlet.monkey_patch()

import argparse  # noqa: E402
from typing import Any  # noqa: E402

from flask import Flask, request  # noqa: E402
from flask_socketio import SocketIO, join_room  # noqa: E402


def create_app() -> tuple[Flask, SocketIO]:
    app = Flask(__name__)
    socketio = SocketIO(app, async_mode="eventlet")

    @app.post("/sync")
    def sync() -> dict[str, bool]:
        """One record per request, straight to the room named after its task."""
        line: dict[str, Any] = request.get_json()
        socketio.emit("log", {"task_id": line["task_id"], "records": [line]}, to=line["task_id"])
        return {"ok": True}

    @socketio.on("subscribe")
    def subscribe(data: dict[str, Any]) -> dict[str, bool]:
        """A viewer joins the task's room."""
        join_room(data["task_id"])
        return {"ok": True}

    return app, socketio


def main() -> None:
    parser = argparse.ArgumentParser(description="the reference relay")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app, socketio = create_app()
    socketio.run(app, host="127.0.0.1", port=args.port, log_output=False)


if __name__ == "__main__":
    main()
