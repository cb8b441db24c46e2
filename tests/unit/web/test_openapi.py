"""GET /openapi.json describes every route, its errors, and the record as the code defines it."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
import schemathesis
from flask.testing import FlaskClient

from joblook import record
from joblook.store.taskinfo import TaskInfo
from joblook.web import openapi
from joblook.web.models import MAX_BATCH

# Operations that read no input and need no token: they have no 4xx to give.
NO_CLIENT_ERRORS = {("get", "/healthz"), ("get", "/config"), ("get", "/openapi.json")}


@pytest.fixture
def document(client: FlaskClient) -> dict[str, Any]:
    """The OpenAPI document the app serves."""
    reply = client.get("/openapi.json")
    assert reply.status_code == 200
    assert reply.mimetype == "application/json"
    doc: dict[str, Any] = reply.get_json()
    return doc


def resolve(doc: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """Follow a local ``$ref`` (``#/components/...``) to what it names."""
    while "$ref" in node:
        target: Any = doc
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in doc["paths"].items()
        for method, operation in item.items()
        if method in {"get", "post", "delete"}
    ]


def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"] == "3.1.0"
    assert document["info"]["title"] == "joblook"
    assert document["servers"] == [{"url": "/"}]
    schemathesis.openapi.from_dict(document).validate()  # against the OpenAPI 3.1 meta-schema


def test_every_route_but_static_files_is_documented_with_its_path_parameters(
    client: FlaskClient, document: dict[str, Any]
) -> None:
    app = client.application
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint not in openapi.UNDOCUMENTED]
    assert {"/docs", "/openapi.json", "/tasks/<task_id>/log"} <= {rule.rule for rule in rules}
    for rule in rules:
        path = openapi.document_path(rule.rule)
        assert path in document["paths"], rule.rule
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            operation = document["paths"][path][method.lower()]
            assert operation["summary"], rule.rule
            parameters = [resolve(document, p) for p in operation.get("parameters", [])]
            in_path = {p["name"] for p in parameters if p["in"] == "path"}
            assert in_path == set(rule.arguments), rule.rule
    assert not any(path.startswith(("/static", "/socket.io")) for path in document["paths"])


def test_every_error_response_is_the_one_error_shape(document: dict[str, Any]) -> None:
    error = {"$ref": "#/components/schemas/Error"}
    for method, path, operation in operations(document):
        errors = {int(code): resolve(document, r) for code, r in operation["responses"].items()}
        errors = {code: r for code, r in errors.items() if code >= 400}
        for code, response in errors.items():
            assert response["content"] == {"application/json": {"schema": error}}, (path, code)
        if (method, path) not in NO_CLIENT_ERRORS:
            assert any(400 <= code < 500 for code in errors), (method, path)
    assert set(document["components"]["schemas"]["Error"]["properties"]) == {"error", "detail"}


def test_an_api_operation_lists_the_errors_it_can_give(document: dict[str, Any]) -> None:
    responses = document["paths"]["/tasks/{task_id}"]["delete"]["responses"]
    assert {"202", "400", "401", "403", "404", "409", "503"} == set(responses)
    sync = document["paths"]["/sync"]["post"]
    assert {"413", "415"} <= set(sync["responses"])
    assert sync["security"] == [{"syncToken": []}]
    assert document["paths"]["/healthz"]["get"]["security"] == []


def test_the_record_schemas_have_exactly_the_record_dataclasses_fields(
    document: dict[str, Any],
) -> None:
    schemas = document["components"]["schemas"]
    kinds = {"OutputRecord": record.OutputRecord, "StatusRecord": record.StatusRecord}
    for name, kind in kinds.items():
        fields = [field.name for field in dataclasses.fields(kind)]
        assert list(schemas[name]["properties"]) == fields
        assert schemas[name]["required"] == fields
        assert schemas[name]["additionalProperties"] is False
    assert schemas["Record"]["oneOf"] == [
        {"$ref": "#/components/schemas/OutputRecord"},
        {"$ref": "#/components/schemas/StatusRecord"},
    ]


def test_the_task_schema_has_what_task_info_gives_plus_the_cancel_request_and_placement(
    document: dict[str, Any],
) -> None:
    fields = {field.name for field in dataclasses.fields(TaskInfo)}
    task = document["components"]["schemas"]["Task"]
    # GET /tasks/ID adds the GPU ids held and what a PENDING task waits for (web/placement.py).
    assert set(task["properties"]) == fields | {"cancel_requested", "gpu_ids", "waiting"}
    example = TaskInfo("5f2b8a1e-3c4d-4e5f-8a9b-0c1d2e3f4a5b", "true", "PENDING", None, None)
    assert set(task["required"]) == set(example.to_json())


def test_batch_submit_and_sweeps_are_in_the_document(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    forms = [resolve(document, form) for form in schemas["EnqueueRequest"]["oneOf"]]
    [batch] = [form for form in forms if "batch" in form["properties"]]
    assert batch["properties"]["batch"]["maxItems"] == MAX_BATCH
    assert "sweep" in schemas["JobRequest"]["properties"]
    assert "task_ids" in schemas["EnqueueReply"]["properties"]
    runs = document["paths"]["/tasks/{task_id}/runs"]["get"]
    assert (
        resolve(document, runs["responses"]["200"]["content"]["application/json"]["schema"])
        == (schemas["RunList"])
    )
    assert "404" in runs["responses"]


def test_the_document_is_built_once(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[object] = []
    real_build = openapi.build
    monkeypatch.setattr(openapi, "build", lambda app: built.append(app) or real_build(app))
    first = client.get("/openapi.json").data
    assert client.get("/openapi.json").data == first
    assert len(built) == 1


def test_the_docs_page_runs_swagger_ui_from_npm_on_the_document(client: FlaskClient) -> None:
    with client.get("/docs") as page:
        assert page.status_code == 200
        html = page.get_data(as_text=True)
    assert '<script src="/vendor/swagger-ui-bundle.js">' in html
    assert 'href="/vendor/swagger-ui.css"' in html
    assert "/static/docs.js" in html
    for name in ("swagger-ui-bundle.js", "swagger-ui.css"):
        with client.get(f"/vendor/{name}") as library:
            assert library.status_code == 200, name
    with client.get("/static/docs.js") as script:
        assert '"/openapi.json"' in script.get_data(as_text=True)
