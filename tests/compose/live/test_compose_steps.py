"""The compose steps (docs/compose.md, and the README's short version) as a user follows them:
.env from .env.example with the secrets filled in, ``up -d --build``, then the API, the task page,
the docs and Flower from the host."""

from __future__ import annotations

import pytest
import requests
from playwright.sync_api import Page

from tests.support.composestack import ComposeStack
from tests.support.stack import output_of, seqs_of
from tests.support.waiting import wait_for

# The text of the log's rows on screen, or null before the page has made its viewer.
_TERMINAL_TEXT = """() => {
  const viewer = window.joblook && window.joblook.viewer;
  return viewer ? viewer.visibleText().join("\\n") : null;
}"""


def test_enqueue_then_permlog_holds_stdout_stderr_and_exit_code_exactly(
    stack: ComposeStack,
) -> None:
    cmd = "printf 'out 1\\nout 2\\n'; printf 'err 1\\n' >&2; printf 'out 3'; exit 7"
    task_id = stack.enqueue(cmd)
    log = stack.wait_finished(task_id)
    records = log["records"]
    assert seqs_of(records) == list(range(1, log["last_seq"] + 1))
    assert records[0]["state"] == "STARTED"
    assert output_of(records, "stdout") == "out 1\nout 2\nout 3"
    assert output_of(records, "stderr") == "err 1\n"
    assert (log["state"], log["exit_code"]) == ("FAILURE", 7)
    assert stack.task(task_id)["exit_code"] == 7


def test_the_api_refuses_a_request_without_the_token(stack: ComposeStack) -> None:
    reply = requests.post(stack.url("/enqueue"), json={"cmd": "true"}, timeout=10)
    assert reply.status_code == 401


@pytest.mark.browser
def test_the_task_page_shows_lines_while_they_are_printed(stack: ComposeStack, page: Page) -> None:
    task_id = stack.enqueue('for i in $(seq 1 15); do echo "live line $i"; sleep 1; done')
    page.goto(stack.url(f"/task?task_id={task_id}&token={stack.token}"))

    def shown(text: str) -> bool:
        return text in (page.evaluate(_TERMINAL_TEXT) or "")

    wait_for(lambda: shown("live line 2"), 60, "the page to show line 2", interval=0.1)
    # Still printing: the line reached the page live, not as the backlog of a finished task.
    assert stack.task(task_id)["state"] == "STARTED"
    assert not shown("live line 15")
    wait_for(lambda: shown("live line 15"), 60, "the page to show the last line", interval=0.2)
    assert "?token=" not in page.url  # the page swapped the token for its cookie


def test_docs_serve_the_api_reference(stack: ComposeStack) -> None:
    docs = stack.http.get(stack.url("/docs"), timeout=10)
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    spec = requests.get(stack.url("/openapi.json"), timeout=10)
    assert spec.status_code == 200 and "/enqueue" in spec.json()["paths"]


def test_flower_wants_its_login_and_accepts_it(stack: ComposeStack) -> None:
    assert requests.get(stack.flower_url + "/", timeout=10).status_code == 401
    user, password = stack.flower_login.split(":")
    wrong = requests.get(stack.flower_url + "/", auth=(user, "wrong"), timeout=10)
    assert wrong.status_code == 401
    right = requests.get(stack.flower_url + "/", auth=(user, password), timeout=10)
    assert right.status_code == 200 and "Flower" in right.text
