"""The home page's schedules in real Chromium: add one, see it fire with its run's state, see
its next run in words, pause, resume and delete it, and see a bad cron's error."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.support.stack import Stack

pytestmark = pytest.mark.browser


def open_home(page: Page, stack: Stack) -> None:
    page.goto(stack.url("/"))
    page.wait_for_selector("body[data-schedules-loaded=true]")


def add(page: Page, name: str, cmd: str, kind: str, when: str) -> None:
    page.fill("input[name=schedule_name]", name)
    page.fill("input[name=schedule_cmd]", cmd)
    page.select_option("select[name=schedule_kind]", kind)
    page.fill("input[name=schedule_when]", when)
    page.click("#schedule-add")


def test_a_schedule_added_on_the_page_fires_and_shows_its_runs_states(
    stack: Stack, page: Page
) -> None:
    open_home(page, stack)
    add(page, "every two seconds", "echo tick", "every", "2")
    item = page.locator(".schedule", has_text="every two seconds")
    expect(item.locator(".schedule-what")).to_have_text("echo tick")
    expect(item.locator(".schedule-when")).to_contain_text("every 2 seconds")
    badge = item.locator(".schedule-runs .badge").first
    expect(badge).to_have_text("SUCCESS", timeout=20_000)
    href = item.locator(".schedule-runs a").first.get_attribute("href")
    assert href and href.startswith("/task?task_id=")
    page.goto(stack.url(href))
    expect(page.locator("#schedule-link")).to_contain_text("schedule ")
    open_home(page, stack)
    item.locator(".schedule-toggle").click()
    expect(item.locator(".schedule-paused")).to_be_visible()
    expect(item.locator(".schedule-when")).to_contain_text("paused")
    expect(item.locator(".schedule-toggle")).to_have_text("Resume")
    item.locator(".schedule-toggle").click()
    expect(item.locator(".schedule-toggle")).to_have_text("Pause")
    item.locator(".schedule-delete").click()
    expect(item).to_have_count(0)


def test_a_cron_schedule_shows_its_next_run_in_words(stack: Stack, page: Page) -> None:
    open_home(page, stack)
    add(page, "nightly", "echo night", "cron", "0 3 * * *")
    item = page.locator(".schedule", has_text="nightly")
    expect(item.locator(".schedule-when")).to_have_text(
        # "in N hours — at 03:00 (UTC)", N depending on the time of day the test runs
        # (just after 03:00 the next run is nearly a day away: "in 1 day").
        re.compile(r"^in (\d+ (hours?|minutes?)|1 day|a few seconds|a minute) — at 03:00 \(UTC\)$")
    )
    item.locator(".schedule-delete").click()


def test_a_bad_cron_shows_the_apis_error(
    stack: Stack, page: Page, console_errors: list[str]
) -> None:
    open_home(page, stack)
    add(page, "broken", "echo x", "cron", "0 3 * *")
    expect(page.locator("#schedule-error")).to_contain_text("five fields")
    console_errors[:] = [e for e in console_errors if "status of 400" not in e]


def test_a_schedule_added_on_the_page_keeps_its_launch_options_and_lists_them(
    stack: Stack, page: Page
) -> None:
    open_home(page, stack)
    page.fill("input[name=schedule_queue]", "side")
    page.fill("input[name=schedule_gpus]", "1")
    page.fill("input[name=schedule_notify]", "json://hooks.example.com/key1, json://h.example/k2")
    page.fill("input[name=schedule_timeout]", "60")
    page.fill("input[name=schedule_retries]", "2")
    page.fill("input[name=schedule_retry_delay]", "1.5")
    add(page, "on the side", "echo side", "cron", "0 4 * * *")
    item = page.locator(".schedule", has_text="on the side")
    expect(item.locator(".schedule-what")).to_have_text("echo side")
    expect(item.locator(".schedule-launch")).to_have_text(
        "queue side · 1 GPU · timeout 60 s · 2 retries, first after 1.5 s · "
        "notify json://***, json://***"
    )
    made = next(
        s for s in stack.http.get(stack.url("/schedules"), timeout=10).json()["schedules"]
        if s["name"] == "on the side"
    )  # fmt: skip
    assert (made["queue"], made["gpus"], made["timeout"]) == ("side", 1, 60)
    assert (made["retries"], made["retry_delay"]) == (2, 1.5)
    assert made["notify"] == ["json://***", "json://***"]
    item.locator(".schedule-delete").click()
    expect(item).to_have_count(0)


def test_an_unknown_secret_on_the_page_shows_the_apis_error(
    stack: Stack, page: Page, console_errors: list[str]
) -> None:
    open_home(page, stack)
    page.fill("input[name=schedule_secrets]", "NOT_SET")
    add(page, "secretive", "env", "every", "60")
    expect(page.locator("#schedule-error")).to_contain_text("unknown secret: NOT_SET")
    console_errors[:] = [e for e in console_errors if "status of 400" not in e]
