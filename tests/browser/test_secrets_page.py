"""The home page's secrets in real Chromium: set one, see its name and never its value, see a
command that prints it show ***, delete it; without a key, the page says what to set."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from joblook.store.secrets import new_key
from tests.support.stack import Stack, output_of, running_stack

pytestmark = pytest.mark.browser

VALUE = "pw-from-the-page-42"


@pytest.fixture(scope="module")
def keyed_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack whose web and worker have a JOBLOOK_SECRET_KEY."""
    root: Path = tmp_path_factory.mktemp("secrets-page")
    with running_stack(root, {"JOBLOOK_SECRET_KEY": new_key()}) as stack:
        yield stack


def open_home(page: Page, stack: Stack) -> None:
    page.goto(stack.url("/"))
    page.wait_for_selector("body[data-secrets-loaded=true]")


def test_a_secret_set_on_the_page_is_listed_by_name_and_masked_in_output(
    keyed_stack: Stack, page: Page
) -> None:
    open_home(page, keyed_stack)
    expect(page.locator("#no-secret-key")).to_be_hidden()
    page.fill("input[name=secret_name]", "PAGE_SECRET")
    page.fill("input[name=secret_value]", VALUE)
    page.click("#secret-set")
    item = page.locator(".secret", has_text="PAGE_SECRET")
    expect(item.locator(".secret-set-at")).to_contain_text("set 20")
    expect(page.locator("input[name=secret_value]")).to_have_value("")
    assert VALUE not in page.content()
    task_id = keyed_stack.enqueue('echo "pw=$PAGE_SECRET"', secrets=["PAGE_SECRET"])
    assert output_of(keyed_stack.wait_finished(task_id)["records"], "stdout") == "pw=***\n"
    item.locator(".secret-delete").click()
    expect(item).to_have_count(0)
    expect(page.locator("#no-secrets")).to_be_visible()


def test_without_a_key_the_page_says_what_to_set_and_shows_the_refusal(
    stack: Stack, page: Page, console_errors: list[str]
) -> None:
    open_home(page, stack)
    expect(page.locator("#no-secret-key")).to_be_visible()
    page.fill("input[name=secret_name]", "NO_KEY_YET")
    page.fill("input[name=secret_value]", VALUE)
    page.click("#secret-set")
    expect(page.locator("#secret-error")).to_contain_text("JOBLOOK_SECRET_KEY is not set")
    expect(page.locator(".secret")).to_have_count(0)
    console_errors[:] = [e for e in console_errors if "status of 409" not in e]  # the refusal
