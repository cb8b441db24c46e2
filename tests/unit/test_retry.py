"""The one retry policy type every retrying caller uses."""

from __future__ import annotations

import pytest

from joblook.retry import Backoff, Retrying, call


def test_backoff_doubles_with_jitter_up_to_its_cap() -> None:
    retrying = Retrying(Backoff(first=0.05, cap=5.0, jitter=True))
    delays = [retrying.failed() for _ in range(12)]
    for attempt, delay in enumerate(delays):
        step = min(5.0, 0.05 * 2**attempt)
        assert step / 2 <= delay <= step
    retrying.reset()
    assert retrying.failed() <= 0.05


def test_a_backoff_with_tries_gives_up_after_the_last() -> None:
    webhook_like = Backoff(first=1.0, cap=32.0, tries=7)
    assert [webhook_like.delay(n) for n in range(1, 8)] == [1, 2, 4, 8, 16, 32, None]
    with pytest.raises(ValueError, match="for ever"):
        Retrying(webhook_like)


def test_call_retries_the_listed_errors_until_it_succeeds() -> None:
    outcomes: list[Exception | str] = [ConnectionError("a"), ConnectionError("b"), "done"]
    waited: list[float] = []
    retried: list[str] = []

    def attempt() -> str:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    result = call(
        attempt,
        Backoff(first=0.1, cap=0.15),
        (ConnectionError,),
        on_retry=lambda exc, _delay: retried.append(str(exc)),
        sleep=waited.append,
    )
    assert (result, waited, retried) == ("done", [0.1, 0.15], ["a", "b"])


def test_call_gives_up_when_the_next_try_would_start_past_its_patience() -> None:
    tries = 0

    def attempt() -> None:
        nonlocal tries
        tries += 1
        raise TimeoutError("down")

    with pytest.raises(TimeoutError):
        call(attempt, Backoff.fixed(0.3), (TimeoutError,), patience=0.5)
    assert tries == 2  # the second wait would end 0.6 s after the first try, past its patience


def test_call_lets_other_errors_through_at_once() -> None:
    def attempt() -> None:
        raise KeyError("not a connection problem")

    with pytest.raises(KeyError):
        call(attempt, Backoff.fixed(1.0), (ConnectionError,), sleep=pytest.fail)
