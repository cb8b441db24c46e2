"""Delivering one batch: acknowledged, split on 413, bisected around bad lines, or retried.

Unlike Fluentd's out_http, no answer ever drops data: a status that is not understood is retried,
and a line the server refuses on its own is kept in ``rejected.jsonl`` (the ``secondary_file``)
so that it never blocks the good lines around it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

from joblook.shipper import batch
from joblook.shipper.batch import Piece
from joblook.shipper.sender import Answer, Sender, Unreachable

log = logging.getLogger(__name__)

TOO_LARGE = 413
BAD_REQUEST = frozenset({400, 415, 422})
_MIN_BODY_LIMIT = 64 * 1024
_HINTS = {
    401: "check JOBLOOK_SYNC_TOKEN",
    403: "check JOBLOOK_SYNC_TOKEN",
    404: "check JOBLOOK_SYNC_URL, or the web server is still starting",
}


class Retry(Exception):
    """Nothing more of the batch can be delivered now: wait, then try again. Says why."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.status = status


class Abandoned(Exception):
    """The shipper is stopping; what was not acknowledged is sent again after a restart."""


class Delivery:
    """Sends batches through ``sender``; ``on_ack`` hears of each acknowledged piece, in order."""

    def __init__(
        self,
        sender: Sender,
        rejected_file: Path,
        on_ack: Callable[[list[Piece]], None],
        stopping: Callable[[], bool],
        body_limit: int,
    ) -> None:
        self.sender = sender
        self.rejected_file = rejected_file
        self.body_limit = body_limit  # lowered when the server says 413, so it is not said again
        self._on_ack = on_ack
        self._stopping = stopping

    def deliver(self, pieces: list[Piece]) -> None:
        """Return once every line is acknowledged or rejected; raise ``Retry`` or ``Abandoned``."""
        self._send(pieces, first=True)

    def _send(self, pieces: list[Piece], first: bool) -> None:
        if self._stopping():
            raise Abandoned
        body = batch.body(pieces)
        if body == batch.EMPTY_BODY:  # only blank lines: nothing to say
            self._on_ack(pieces)
            return
        try:
            answer = self.sender.post(body)
        except Unreachable as exc:
            raise Retry(f"{self.sender.url} unreachable: {exc}") from None
        if answer.ok:
            self._on_ack(pieces)
            return
        if answer.status != TOO_LARGE and answer.status not in BAD_REQUEST:
            hint = _HINTS.get(answer.status, "")
            raise Retry(f"HTTP {answer.status} {answer.detail!r} {hint}".rstrip(), answer.status)
        count = batch.line_count(pieces)
        if count == 1:
            self._reject(pieces[0], answer)
            self._on_ack(pieces)
            return
        if answer.status == TOO_LARGE:
            self.body_limit = max(_MIN_BODY_LIMIT, min(self.body_limit, len(body) // 2))
        if first:
            log.warning(
                "/sync answered HTTP %d (%r) to %d lines: splitting the batch",
                answer.status,
                answer.detail,
                count,
            )
        for half in batch.halves(pieces):
            self._send(half, first=False)

    def _reject(self, piece: Piece, answer: Answer) -> None:
        """Keep a line the server will never take, durably, before moving past it."""
        self.rejected_file.parent.mkdir(parents=True, exist_ok=True)
        with self.rejected_file.open("ab") as out:
            out.write(piece.data + b"\n")
            out.flush()
            os.fsync(out.fileno())
        log.error(
            "/sync refused the line at byte %d of %s with HTTP %d (%r): kept in %s",
            piece.start,
            piece.name,
            answer.status,
            answer.detail,
            self.rejected_file,
        )
