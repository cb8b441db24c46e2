"""The users page (admins) and what a viewer's pages offer: no Run form, no Cancel or Run again
buttons, no schedule controls, no link to the users page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from tests.support.browser import VIEWPORT
from tests.support.stack import SHARED_TOKEN as SHARED
from tests.support.stack import Stack, running_stack, with_tokens

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack with JOBLOOK_TOKEN, as a team runs it."""
    with running_stack(tmp_path_factory.mktemp("accounts"), extra_env=with_tokens()) as stack:
        stack.http.headers["Authorization"] = f"Bearer {SHARED}"
        yield stack


def test_an_admin_adds_a_user_and_changes_their_role_on_the_users_page(
    secured: Stack, page: Page
) -> None:
    page.goto(secured.url(f"/accounts?token={SHARED}"))
    expect(page.locator("#whoami")).to_have_text("admin · admin")
    page.fill("#new-name", "vera")
    page.select_option("#new-role", "viewer")
    page.click("#add-user button[type=submit]")
    expect(page.locator("#new-token-user")).to_have_text("vera")
    token = page.locator("#new-token").inner_text()
    assert token.startswith("jl_")
    me = requests.get(secured.url("/me"), headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert me.json() == {"name": "vera", "role": "viewer"}
    row = page.locator("#users-body tr[data-user=vera]")
    row.locator(".user-role").select_option("operator")
    expect(page.locator("#audit-body tr[data-action='user.role']")).to_have_count(1)
    users = secured.http.get(secured.url("/users"), timeout=10).json()["users"]
    assert [(u["name"], u["role"]) for u in users] == [("vera", "operator")]
    expect(page.locator("#audit-body tr[data-action='user.add']")).to_contain_text("vera")


def test_a_bad_name_on_the_users_page_shows_the_error_and_adds_nobody(
    secured: Stack, page: Page, console_errors: list[str]
) -> None:
    page.goto(secured.url(f"/accounts?token={SHARED}"))
    before = secured.http.get(secured.url("/users"), timeout=10).json()["users"]
    page.fill("#new-name", "no spaces")
    page.click("#add-user button[type=submit]")
    expect(page.locator("#users-error")).to_contain_text("name")
    console_errors.remove(
        "Failed to load resource: the server responded with a status of 400 (BAD REQUEST)"
    )
    assert secured.http.get(secured.url("/users"), timeout=10).json()["users"] == before


def test_a_viewers_pages_offer_no_run_cancel_or_admin_controls(
    secured: Stack, browser: Browser
) -> None:
    token = secured.http.post(
        secured.url("/users"), json={"name": "walt", "role": "viewer"}, timeout=10
    ).json()["token"]
    running = secured.enqueue("echo hello; sleep 60", timeout=120)
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        page.goto(secured.url(f"/?token={token}"))
        expect(page.locator("#whoami")).to_have_text("walt · viewer")
        expect(page.locator(f"#tasks-body tr[data-task-id='{running}']")).to_be_visible()
        expect(
            page.locator(f"#tasks-body tr[data-task-id='{running}'] .submitted-by")
        ).to_have_text("admin")
        for hidden in ("#launch", "#schedule-form", "#accounts-link"):
            expect(page.locator(hidden)).to_be_hidden()
        page.goto(secured.url(f"/task?task_id={running}"))
        expect(page.locator("#state")).to_have_text("STARTED", timeout=15_000)
        expect(page.locator("#submitted-by")).to_have_text("admin")
        expect(page.locator("#log")).to_contain_text("hello", timeout=15_000)
        for hidden in ("#cancel", "#rerun", "#edit-rerun"):
            expect(page.locator(hidden)).to_be_hidden()
        refused = page.goto(secured.url("/accounts"))
        assert refused is not None and refused.status == 403
    finally:
        context.close()
        secured.http.delete(secured.url(f"/tasks/{running}"), timeout=10)
