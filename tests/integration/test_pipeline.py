"""The whole path, real processes: POST /enqueue -> worker -> file -> shipper -> /sync -> store,
with joblook's shipper and with Fluentd (which passes the lines on byte for byte, unparsed)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import SHIPPERS, require_shipper
from tests.support.stack import Stack, output_of, running_stack, seqs_of
from tests.support.waiting import wait_for


@pytest.fixture(scope="module", params=SHIPPERS)
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """A stack for this module with each kind of shipper in turn."""
    kind: str = request.param
    require_shipper(kind)
    with running_stack(tmp_path_factory.mktemp(f"pipeline-{kind}"), shipper=kind) as running:
        yield running


# Hang guards for output that must be stored while its command still sleeps (30 s): not speed
# claims, which the benchmarks measure.
STILL_RUNNING_WITHIN = 20

# Prints to both streams, with a unicode line, a \r redraw and no final newline on stderr.
MIXED = (
    r"""printf 'out 1\nüñí ✓\n'; printf 'err 1\n' >&2; printf '50%%\r100%%\n'; printf 'tail' >&2"""
)


def test_stdout_and_stderr_are_reproduced_exactly_and_exit_0_is_success(stack: Stack) -> None:
    log = stack.wait_finished(stack.enqueue(MIXED))
    assert output_of(log["records"], "stdout") == "out 1\nüñí ✓\n50%\r100%\n"
    assert output_of(log["records"], "stderr") == "err 1\ntail"
    assert (log["state"], log["exit_code"]) == ("SUCCESS", 0)
    first, last = log["records"][0], log["records"][-1]
    assert (first["stream"], first["state"]) == ("status", "STARTED")
    assert (last["stream"], last["state"], last["exit_code"]) == ("status", "SUCCESS", 0)


def test_a_non_zero_exit_is_a_failure_with_its_exit_code(stack: Stack) -> None:
    log = stack.wait_finished(stack.enqueue("echo about to fail; exit 3"))
    assert (log["state"], log["exit_code"]) == ("FAILURE", 3)
    assert output_of(log["records"], "stdout") == "about to fail\n"


def test_twenty_thousand_lines_arrive_with_contiguous_seqs(stack: Stack) -> None:
    log = stack.wait_finished(stack.enqueue("seq 1 20000"))
    assert seqs_of(log["records"]) == list(range(1, len(log["records"]) + 1))
    assert output_of(log["records"], "stdout") == "".join(f"{n}\n" for n in range(1, 20001))


def test_a_line_is_in_the_permanent_log_while_the_command_still_runs(stack: Stack) -> None:
    # How soon it gets there is measured, not asserted: make bench BENCH_ARGS="--only follow".
    # The wait is a hang guard well inside the command's sleep (which the test does not wait out):
    # were the line held until the command ends, the state would read SUCCESS.
    task_id = stack.enqueue("python3 -c \"print('first'); import time; time.sleep(30)\"")

    def first_line_stored() -> dict | None:
        log = stack.permlog(task_id)
        return log if "first\n" in output_of(log["records"], "stdout") else None

    log = wait_for(first_line_stored, STILL_RUNNING_WITHIN, "the first line")
    assert log["state"] == "STARTED"


def test_a_carriage_return_chunk_is_delivered_before_its_newline(stack: Stack) -> None:
    task_id = stack.enqueue("printf '10%%\\r'; sleep 30; printf '100%%\\n'")

    def progress_stored() -> dict | None:
        log = stack.permlog(task_id)
        return log if output_of(log["records"], "stdout") == "10%\r" else None

    log = wait_for(progress_stored, STILL_RUNNING_WITHIN, "the \\r chunk")
    assert log["state"] == "STARTED"


def test_text_format_is_the_output_of_both_streams_in_seq_order(stack: Stack) -> None:
    task_id = stack.enqueue("echo a; echo b >&2; echo c")
    stack.wait_finished(task_id)
    reply = stack.http.get(stack.url("/permlog"), params={"task_id": task_id, "format": "text"})
    assert reply.headers["Content-Type"].startswith("text/plain")
    assert sorted(reply.text.splitlines()) == ["a", "b", "c"]
