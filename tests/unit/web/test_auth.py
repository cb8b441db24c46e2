"""Each blueprint asks for its token once: every route refuses a caller without it, but the few
marked public."""

from __future__ import annotations

import pytest
from flask import Flask

from joblook.web.openapi import UNDOCUMENTED, document_path
from tests.unit.web.conftest import AppFactory

SOME_TASK = "5f2b8a1e-3c4d-4e5f-8a9b-0c1d2e3f4a5b"
PUBLIC = {"api.healthz", "document.openapi", "pages.static", "pages.vendor"}


@pytest.fixture
def app(make_app: AppFactory) -> Flask:
    return make_app(JOBLOOK_TOKEN="user-secret", JOBLOOK_SYNC_TOKEN="sync-secret")


def requests_to_every_route(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, method, path) for every route and method, path parameters filled in."""
    calls = []
    for rule in app.url_map.iter_rules():
        path = rule.rule.replace("<task_id>", SOME_TASK)
        path = path.replace("<path:name>", "task.js").replace("<name>", "uPlot.min.css")
        calls += [(rule.endpoint, m, path) for m in sorted(rule.methods or ()) if m != "OPTIONS"]
    return calls


def test_every_route_but_the_public_ones_refuses_a_caller_without_the_token(app: Flask) -> None:
    calls = requests_to_every_route(app)
    assert {"api.enqueue", "ingest.sync", "tasks.task_log", "pages.docs"} <= {c[0] for c in calls}
    with app.test_client() as client:
        for endpoint, method, path in calls:
            with client.open(path, method=method, json={"cmd": "true"}) as reply:
                if endpoint in PUBLIC:
                    assert reply.status_code not in (401, 403), (method, path)
                else:
                    assert reply.status_code == 401, (method, path)
                    if method != "HEAD":
                        assert reply.get_json()["error"], (method, path)


def test_the_user_token_does_not_open_sync_nor_the_sync_token_the_api(app: Flask) -> None:
    user = {"Authorization": "Bearer user-secret"}
    sync = {"Authorization": "Bearer sync-secret"}
    with app.test_client() as client:
        assert client.post("/sync", json=[], headers=user).status_code == 403
        assert client.post("/sync", json=[], headers=sync).status_code == 200
        assert client.get("/tasks", headers=sync).status_code == 403
        assert client.get("/tasks", headers=user).status_code == 200


def test_a_page_token_in_the_address_opens_pages_but_not_public_files(app: Flask) -> None:
    with app.test_client() as client:
        assert client.get("/docs?token=user-secret").status_code == 302
        # A public file ignores ?token=: nothing to swap, nothing to refuse.
        with client.get("/vendor/uPlot.min.css?token=guess") as file:
            assert file.status_code == 200


def test_the_document_says_which_operations_need_no_token(app: Flask) -> None:
    with app.test_client() as client:
        document = client.get("/openapi.json").get_json()
    for rule in app.url_map.iter_rules():
        if rule.endpoint in UNDOCUMENTED:
            continue  # files, and a bad secret name's 400: not API operations
        item = document["paths"][document_path(rule.rule)]
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            operation = item[method.lower()]
            public = operation.get("security", document["security"]) == []
            assert public == (rule.endpoint in PUBLIC), rule.rule
            assert ("401" in operation["responses"]) != public, rule.rule
