"""One base for the objects that hold a resource until ``close()``: ``with obj:`` closes it."""

from __future__ import annotations

from types import TracebackType
from typing import Self


class Closing:
    """``with obj:`` gives ``obj`` (after :meth:`open`, a no-op unless overridden) and calls
    :meth:`close` on the way out, whatever happened inside."""

    def open(self) -> None:
        """Start what must run while the ``with`` block does (threads, subscriptions)."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
