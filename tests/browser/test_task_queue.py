"""The task page's header says where a task runs (queue, GPUs held) and why it is still waiting."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import redis
from playwright.sync_api import Page, expect

from joblook import keys
from tests.browser.logview import open_task
from tests.support.stack import Stack, running_stack
from tests.support.waiting import wait_for

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def gpu_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack with one more worker: queue gpu, one fake GPU."""
    with running_stack(tmp_path_factory.mktemp("gpu-page"), concurrency=1) as stack:
        stack.add_worker("gpuw", 1, ("--queues", "gpu", "--gpus", "fake-a"))
        client = redis.Redis.from_url(stack.env["REDIS_URL"])
        wait_for(lambda: client.zcard(keys.WORKERS) >= 2, 60, "the GPU worker to advertise")
        client.close()
        time.sleep(2.5)  # the web reads the roster every 2 s
        yield stack


def test_the_header_shows_the_queue_and_the_gpu_a_task_holds(page: Page, gpu_stack: Stack) -> None:
    task_id = gpu_stack.enqueue("sleep 1", queue="gpu", gpus=1)
    gpu_stack.wait_finished(task_id)
    open_task(page, gpu_stack, task_id)
    expect(page.locator("#task-queue")).to_have_text("gpu · 1 GPU: fake-a")
    expect(page.locator("#task-waiting")).to_be_hidden()


def test_the_header_says_no_worker_serves_the_queue_of_a_waiting_task(
    page: Page, gpu_stack: Stack
) -> None:
    task_id = gpu_stack.enqueue("true", queue="nowhere")
    open_task(page, gpu_stack, task_id)
    expect(page.locator("#task-queue")).to_have_text("nowhere")
    expect(page.locator("#task-waiting")).to_have_text("no worker serves queue nowhere")
