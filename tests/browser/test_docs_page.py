"""The API reference in real Chromium: Swagger UI renders /openapi.json and its models."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.support.stack import Stack

pytestmark = pytest.mark.browser


def test_the_docs_page_lists_every_operation_and_the_models(stack: Stack, page: Page) -> None:
    page.goto(stack.url("/docs"))
    operations = page.locator(".opblock-summary-path")
    expect(operations.filter(has_text="/enqueue")).to_have_count(1)
    expect(operations.filter(has_text="/tasks/{task_id}/log")).to_have_count(1)
    schemas = page.locator(".models .json-schema-2020-12__title")
    expect(schemas.filter(has_text="EnqueueRequest")).to_have_count(1)
    expect(schemas.filter(has_text="Error")).to_have_count(1)
    assert page.locator(".errors-wrapper").count() == 0  # Swagger UI's resolver errors
