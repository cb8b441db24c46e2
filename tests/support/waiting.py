"""Bounded waiting: poll a condition until it holds or a deadline passes (never sleep-and-hope)."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")


class TimedOut(AssertionError):
    pass


def wait_for(check: Callable[[], T], timeout: float, what: str, interval: float = 0.02) -> T:
    """Call ``check`` until it returns something truthy; return that, or fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimedOut(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


@contextlib.contextmanager
def once(
    check: Callable[[], object], what: str, action: Callable[[], object], timeout: float = 120
) -> Iterator[None]:
    """Run ``action`` in a thread as soon as ``check()`` is truthy, while the ``with`` block runs.

    ``action`` runs even if the wait times out, because the block may be waiting for it (a
    cancel, a signal) to end; the wait's failure is then raised after the block.
    """
    failures: list[BaseException] = []

    def wait_then_act() -> None:
        try:
            try:
                wait_for(check, timeout, what)
            finally:
                action()
        except BaseException as exc:  # raised in the test's thread, below
            failures.append(exc)

    thread = threading.Thread(target=wait_then_act, name=f"once {what}")
    thread.start()
    try:
        yield
    finally:
        thread.join()
    if failures:
        raise failures[0]
