"""fluentlog: what a service's log records look like on the forward protocol, and what happens
while Fluentd is away. A real TCP listener receives them (tests/support/forward.py)."""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Iterator

import pytest

from joblook import fluentlog
from joblook.retry import Backoff
from tests.support.forward import ForwardReceiver, forward_receiver
from tests.support.processes import free_port


@pytest.fixture
def receiver() -> Iterator[ForwardReceiver]:
    """A forward-protocol listener on a free loopback port."""
    with forward_receiver() as listening:
        yield listening


MakeLogger = Callable[..., logging.Logger]


@pytest.fixture
def make_logger(request: pytest.FixtureRequest) -> Iterator[MakeLogger]:
    """Returns a logger of its own that sends to Fluentd at the given port; closed afterwards."""
    made: list[tuple[logging.Logger, logging.Handler]] = []

    def make(port: int, service: str = "unit") -> logging.Logger:
        logger = logging.getLogger(f"joblook.test.{request.node.name}.{len(made)}")
        logger.propagate = False
        logger.setLevel(logging.DEBUG)
        handler = fluentlog.handler(service, "127.0.0.1", port)
        logger.addHandler(handler)
        made.append((logger, handler))
        return logger

    yield make
    for logger, handler in made:
        logger.removeHandler(handler)
        handler.close()


def test_a_record_carries_the_service_tag_and_structured_fields(
    receiver: ForwardReceiver, make_logger: MakeLogger
) -> None:
    logger = make_logger(receiver.port, service="web")
    before = time.time()
    logger.info("listening on %s", "http://0.0.0.0:8888")
    after = time.time()
    (event,) = receiver.wait_for("the record", lambda e: True)
    assert event.tag == "joblook.service.web" == fluentlog.tag("web")
    assert event.record == {
        "service": "web",
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "level": "INFO",
        "logger": logger.name,
        "message": "listening on http://0.0.0.0:8888",
    }
    # The record's own time, sent as an EventTime (to the nanosecond), not whole seconds.
    assert before <= event.time <= after


def test_an_exception_is_sent_with_its_traceback(
    receiver: ForwardReceiver, make_logger: MakeLogger
) -> None:
    logger = make_logger(receiver.port)
    try:
        {}["missing"]
    except KeyError:
        logger.exception("lookup failed")
    (event,) = receiver.wait_for("the record", lambda e: True)
    assert event.record["level"] == "ERROR"
    message = event.record["message"]
    assert message.startswith("lookup failed\nTraceback (most recent call last):")
    assert "KeyError: 'missing'" in message


def test_a_json_message_cannot_overwrite_the_fields(
    receiver: ForwardReceiver, make_logger: MakeLogger
) -> None:
    logger = make_logger(receiver.port)
    logger.warning('{"level": "DEBUG", "service": "forged"}')
    (event,) = receiver.wait_for("the record", lambda e: True)
    assert (event.record["level"], event.record["service"]) == ("WARNING", "unit")
    assert event.record["message"] == '{"level": "DEBUG", "service": "forged"}'


def test_records_logged_while_fluentd_is_away_arrive_in_order_once_it_listens(
    make_logger: MakeLogger, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(fluentlog, "RETRY", Backoff.fixed(0.2))
    port = free_port()  # nothing listens here yet
    logger = make_logger(port)
    for n in range(20):
        logger.info("line %d", n)  # neither raises nor waits for Fluentd
    said = capfd.readouterr().err
    assert said.count(f"cannot reach Fluentd at 127.0.0.1:{port}") == 1, said
    with forward_receiver(port) as late:
        # Nothing more is logged: the retry thread sends what waits.
        late.wait_for("the last line", lambda e: e.record["message"] == "line 19")
        assert [e.record["message"] for e in late.events()] == [f"line {n}" for n in range(20)]


def test_records_past_the_buffer_are_dropped_and_the_loss_is_said(
    make_logger: MakeLogger, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(fluentlog, "BUFFER_BYTES", 2000)
    port = free_port()
    logger = make_logger(port)
    for n in range(100):
        logger.info("a line long enough to fill a small buffer quickly, number %d", n)
    said = capfd.readouterr().err
    assert "bytes of log records" in said and f"Fluentd at 127.0.0.1:{port}" in said
    assert "dropped" in said
