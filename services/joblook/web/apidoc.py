"""The HTTP API reference of the docs site, written from the app's own ``/openapi.json``.

``document()`` builds the app in this process (no server, no Redis: nothing connects until a
request needs the store) and asks it for ``/openapi.json``, so the page shows exactly what a
running server serves. ``markdown()`` renders that document as one Markdown page: operations by
tag, then every schema. The docs build runs both (``docs/_hooks/api_reference.py``); nothing it
writes is committed. ``python -m joblook.web.apidoc openapi.json`` exports the document alone.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from joblook.settings import Settings
from joblook.web import create_app
from joblook.web.models import MAX_SAFE_INTEGER

Schema = dict[str, Any]
METHODS = ("get", "post", "put", "patch", "delete")
_REF = "#/components/schemas/"


def document() -> dict[str, Any]:
    """The OpenAPI document, as ``GET /openapi.json`` of a freshly built app answers it."""
    with tempfile.TemporaryDirectory(prefix="joblook-apidoc-") as data_dir:
        # Nothing listens on port 9 (discard): the app never needs Redis to describe itself.
        env = {"REDIS_URL": "redis://127.0.0.1:9/0", "JOBLOOK_DATA_DIR": data_dir}
        settings = Settings.from_env({**env, "JOBLOOK_AUTH": "none"})
        app = create_app(settings, async_mode="threading", message_queue=False)
        try:
            reply = app.test_client().get("/openapi.json")
            assert reply.status_code == 200, reply.data
            doc: dict[str, Any] = reply.get_json()
        finally:
            app.extensions["joblook.feed"].close()
            app.extensions["joblook.livestats"].close()
    return doc


def markdown(doc: dict[str, Any]) -> str:
    """The reference page: the API's description, each tag's operations, then the schemas."""
    info = doc["info"]
    lines = [
        "# HTTP API reference",
        "",
        f"Written from `GET /openapi.json` of joblook {info['version']} when the site was built "
        "([download it](openapi.json)); a running server also serves it, and `/docs` shows it "
        "as Swagger UI. Examples of each call are in [The API and the CLI](../usage.md).",
        "",
        _text(info.get("description", "")),
        "",
    ]
    for tag in doc.get("tags", []):
        operations = list(_operations(doc, tag["name"]))
        if operations:
            lines += [f"## {tag['name'].capitalize()}", "", _text(tag.get("description", "")), ""]
            for method, path, operation in operations:
                lines += _operation(doc, method, path, operation)
    lines += ["## Schemas", ""]
    for name, schema in doc["components"]["schemas"].items():
        lines += _schema_section(name, schema)
    return "\n".join(lines).rstrip() + "\n"


def _operations(doc: dict[str, Any], tag: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in doc["paths"].items():
        for method in METHODS:
            operation = item.get(method)
            if operation is not None and tag in operation.get("tags", []):
                yield method, path, operation


def _operation(doc: dict[str, Any], method: str, path: str, operation: dict[str, Any]) -> list[str]:
    lines = [f"### `{method.upper()} {path}`", "", _text(operation.get("summary", "")), ""]
    if operation.get("description"):
        lines += [_text(operation["description"]), ""]
    lines += [f"**Who may call it:** {_security(doc, operation)}", ""]
    if operation.get("parameters"):
        lines += ["| parameter | in | type | required | meaning |", "|---|---|---|---|---|"]
        for parameter in operation["parameters"]:
            schema = parameter.get("schema", {})
            meaning = parameter.get("description") or schema.get("description", "")
            cells = (
                f"`{parameter['name']}`",
                parameter["in"],
                _type(schema),
                "yes" if parameter.get("required") else "no",
                meaning,
            )
            lines.append(_row(cells))
        lines.append("")
    body = operation.get("requestBody")
    if body is not None:
        lines += ["**Body:** " + _content(body["content"]), ""]
    lines += ["| status | meaning | body |", "|---|---|---|"]
    for status, reply in operation["responses"].items():
        lines.append(_row((status, reply.get("description", ""), _content(reply.get("content")))))
    return [*lines, ""]


def _security(doc: dict[str, Any], operation: dict[str, Any]) -> str:
    requirements = operation.get("security", doc.get("security", []))
    if not requirements:
        return "anyone (no token)"
    schemes = doc["components"]["securitySchemes"]
    names = [name for requirement in requirements for name in requirement]
    return ", or ".join(_scheme(schemes[name]) for name in names)


def _scheme(scheme: dict[str, Any]) -> str:
    if scheme["type"] == "http":
        return f"`Authorization: Bearer` with {scheme['description']}"
    return f"the {scheme['in']} `{scheme['name']}` ({_text(scheme['description'])})"


def _content(content: dict[str, Any] | None) -> str:
    if not content:
        return ""
    return "; ".join(
        f"`{media_type}`: {_type(entry.get('schema', {}))}" for media_type, entry in content.items()
    )


def _schema_section(name: str, schema: Schema) -> list[str]:
    lines = [f"### {name} {{#{_anchor(name)}}}", ""]
    if schema.get("description"):
        lines += [_text(schema["description"]), ""]
    properties = schema.get("properties")
    if properties:
        required = set(schema.get("required", []))
        lines += ["| field | type | required | meaning |", "|---|---|---|---|"]
        for field, prop in properties.items():
            mark = "yes" if field in required else "no"
            lines.append(_row((f"`{field}`", _type(prop), mark, _meaning(prop))))
        extra = schema.get("additionalProperties")
        if extra is False:
            lines += ["", "No other fields are accepted."]
        elif isinstance(extra, dict):
            lines += ["", f"Any other field: {_type(extra)}."]
    else:
        lines.append(f"Type: {_type(schema)}.")
    return [*lines, ""]


def _meaning(prop: Schema) -> str:
    meaning = prop.get("description", "")
    if "default" in prop and prop["default"] is not None:
        meaning = f"{meaning} Default: `{json.dumps(prop['default'])}`.".strip()
    return meaning


def _type(schema: Schema) -> str:  # noqa: PLR0911 (one return per kind of schema)
    """A schema in a few words, with a link for each named schema it refers to."""
    if "$ref" in schema:
        name = schema["$ref"].removeprefix(_REF)
        return f"[{name}](#{_anchor(name)})"
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return " or ".join(_type(option) for option in schema[key])
    if "const" in schema:
        return f"`{json.dumps(schema['const'])}`"
    if "enum" in schema:
        return "one of " + ", ".join(f"`{json.dumps(value)}`" for value in schema["enum"])
    kind = schema.get("type")
    if kind == "array":
        return f"array of {_type(schema.get('items', {}))}"
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return f"object of {_type(schema['additionalProperties'])}"
    if kind is None:
        return "any JSON value"
    words = str(kind)
    if "format" in schema:
        words += f" ({schema['format']})"
    bounds = [
        f"{word} {schema[key]}"
        for key, word in _BOUNDS
        if key in schema and schema[key] != MAX_SAFE_INTEGER  # "any integer JSON can carry"
    ]
    return words + (f", {', '.join(bounds)}" if bounds else "")


_BOUNDS = (
    ("minimum", ">="),
    ("exclusiveMinimum", ">"),
    ("maximum", "<="),
    ("exclusiveMaximum", "<"),
    ("minLength", "length >="),
    ("maxLength", "length <="),
    ("minItems", "items >="),
    ("maxItems", "items <="),
)


def _anchor(name: str) -> str:
    return f"schema-{name.lower()}"


def _text(text: str) -> str:
    """Docstring text as Markdown: one paragraph per blank line, rST's double backticks single."""
    paragraphs = text.replace("``", "`").split("\n\n")
    return "\n\n".join(" ".join(p.split()) for p in paragraphs).strip()


def _row(cells: tuple[str, ...]) -> str:
    return "| " + " | ".join(_text(cell).replace("|", "\\|") for cell in cells) + " |"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m joblook.web.apidoc",
        description="Export the app's OpenAPI document (or its reference page), built in-process.",
    )
    parser.add_argument("output", type=Path, help="where to write it ('-': standard output)")
    parser.add_argument("--markdown", action="store_true", help="the docs page, not the JSON")
    args = parser.parse_args(argv)
    doc = document()
    text = markdown(doc) if args.markdown else json.dumps(doc, indent=2) + "\n"
    if str(args.output) == "-":
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
