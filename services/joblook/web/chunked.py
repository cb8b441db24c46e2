"""Chunked request bodies under eventlet (``joblook web``): read, and held to the body cap.

Werkzeug reads a body without Content-Length only when the server says it ends the stream itself
(``wsgi.input_terminated``); otherwise it reads nothing, so a chunked ``/enqueue`` looked empty
and got 400 however large it was. eventlet's input decodes the chunks and stops after the last
one, so it qualifies. Werkzeug then reads such a body up to MAX_CONTENT_LENGTH (per request on
``/sync``), but stops there silently; :class:`CappedRequest` turns a body that goes on past the
cap into 413, as a Content-Length over the cap already is.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from flask import Flask, Request
from werkzeug.exceptions import RequestEntityTooLarge

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment


class CappedRequest(Request):
    """A request whose body, chunked or not, is refused with 413 past its cap."""

    def get_data(self, *args: Any, **kwargs: Any) -> Any:
        data = super().get_data(*args, **kwargs)
        if self._cut_at_cap(len(data)):
            raise RequestEntityTooLarge()
        return data

    def _cut_at_cap(self, size: int) -> bool:
        """Whether Werkzeug stopped reading a body without Content-Length at its cap while the
        server's stream still had more (one more byte tells)."""
        cap = self.max_content_length
        if self.content_length is not None or cap is None or size < cap:
            return False
        return bool(self.environ["wsgi.input"].read(1))


def init_app(app: Flask) -> None:
    """Let ``app`` read chunked bodies under eventlet, capped."""
    app.request_class = CappedRequest
    app.wsgi_app = _terminated_input(app.wsgi_app)


def _terminated_input(app: WSGIApplication) -> WSGIApplication:
    def middleware(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked":
            environ["wsgi.input_terminated"] = True
        return app(environ, start_response)

    return middleware
