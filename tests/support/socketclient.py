"""A python-socketio client whose event handlers run in the order the events arrived.

python-engineio's threaded client hands every incoming message to a new thread, so under load two
``log`` events can reach their handler swapped, and a test that checks "every seq once, in order"
would blame the server for what the client did. Here messages are handled on the connection's
reading thread, one after the other, as a browser handles them. Handlers must therefore not wait
for the server (no ``call`` inside a handler; ``emit`` is fine).
"""

from __future__ import annotations

from typing import Any

import engineio
import socketio


class _InOrderEngineIO(engineio.Client):
    def _trigger_event(self, event: str, *args: Any, **kwargs: Any) -> Any:
        if event == "message":
            kwargs["run_async"] = False
        return super()._trigger_event(event, *args, **kwargs)


class InOrderClient(socketio.Client):
    """``socketio.Client`` with in-order event handling; same constructor and methods."""

    def _engineio_client_class(self) -> type[engineio.Client]:
        return _InOrderEngineIO
