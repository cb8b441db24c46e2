"""The acknowledgement window: who may be sent more, and what one viewer can leave unconfirmed."""

from __future__ import annotations

import pytest

from joblook.web.acks import AckWindow


def test_small_events_ask_once_per_half_window_and_never_hold_while_answered() -> None:
    window = AckWindow(limit=1000)
    asks = [window.sending("a", 100) for _ in range(4)]
    assert asks == [None] * 4  # 400 bytes: below half the window, nobody is asked
    acknowledged = window.sending("a", 100)
    assert acknowledged is not None  # 500 bytes: this one asks
    assert window.held("a") is False
    acknowledged("any", "reply")  # a client may answer with arguments; they are ignored
    assert window.unconfirmed("a") == 0


def test_a_viewer_that_stops_answering_is_held_once_a_window_is_unconfirmed() -> None:
    window = AckWindow(limit=1000)
    asked = [ack for _ in range(12) if (ack := window.sending("slow", 100)) is not None]
    # One request outstanding at a time: the feed checks ``held`` before each send.
    assert len(asked) == 1
    assert window.held("slow") is True
    assert window.unconfirmed("slow") == 1200
    assert window.held("other") is False  # viewers are accounted separately


def test_the_answer_releases_the_viewer_and_confirms_up_to_the_event_that_asked() -> None:
    released: list[str] = []
    window = AckWindow(limit=1000)
    window.released = released.append
    acknowledged = None
    while not window.held("a"):
        acknowledged = window.sending("a", 300) or acknowledged
    assert acknowledged is not None
    acknowledged()
    assert released == ["a"]
    assert window.held("a") is False
    assert window.unconfirmed("a") == 600  # what went out after the event that asked
    again = window.sending("a", 300)
    assert again is not None  # still past half a window: the next event asks at once


def test_a_late_answer_after_a_disconnect_changes_nothing() -> None:
    released: list[str] = []
    window = AckWindow(limit=10)
    window.released = released.append
    acknowledged = window.sending("a", 20)
    assert acknowledged is not None and window.held("a")
    window.forget("a")
    acknowledged()
    assert released == []
    assert (window.held("a"), window.unconfirmed("a")) == (False, 0)


def test_an_event_bigger_than_the_window_asks_and_holds_by_itself() -> None:
    window = AckWindow(limit=1)
    assert window.sending("a", 5_000_000) is not None
    assert window.held("a") is True


def test_a_window_must_hold_at_least_a_byte() -> None:
    with pytest.raises(ValueError, match="at least 1 byte"):
        AckWindow(limit=0)
