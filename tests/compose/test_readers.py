"""The small readers the contract tests rely on: if they misread, the contracts prove nothing."""

from __future__ import annotations

import textwrap

import pytest

from . import composefile, dockerfile, fluentconf


def test_fluentconf_reads_nested_sections_and_parameters() -> None:
    conf = fluentconf.parse(
        textwrap.dedent(
            """
            # a comment
            <match app.**>
              @type http
              endpoint http://web:8888/sync # trailing comment
              headers "{\\"Authorization\\": \\"Bearer #{ENV['TOKEN']}\\"}"
              <buffer>
                chunk_limit_size 2m
              </buffer>
            </match>
            """
        )
    )
    match = conf.one("match", "app.**")
    assert match.type == "http"
    assert match.params["endpoint"] == "http://web:8888/sync"
    assert match.params["headers"] == '{"Authorization": "Bearer #{ENV[\'TOKEN\']}"}'
    assert fluentconf.size_bytes(match.one("buffer").params["chunk_limit_size"]) == 2 * 1024**2
    assert [section.name for section in conf.walk()] == ["ROOT", "match", "buffer"]


@pytest.mark.parametrize(
    "text",
    ["<source>\n  @type tail\n", "</source>\n", "<a>\n</b>\n", "<a>\n  k 1\n  k 2\n</a>\n"],
    ids=["unclosed", "stray-close", "mismatched", "duplicate-key"],
)
def test_fluentconf_rejects_what_it_cannot_read(text: str) -> None:
    with pytest.raises(fluentconf.FluentConfError):
        fluentconf.parse(text)


def test_fluentconf_finds_environment_lookups_in_embedded_ruby() -> None:
    assert fluentconf.env_variables("Bearer #{ENV.fetch('A')} #{ENV[\"B\"]}") == ["A", "B"]


@pytest.mark.parametrize(
    ("pattern", "tag", "matches"),
    [
        ("joblook.service.**", "joblook.service.web", True),
        ("joblook.service.**", "joblook.service", True),  # ** is zero or more parts
        ("joblook.service.**", "joblook.services.web", False),
        ("joblook.service.**", "joblook.task", False),
        ("joblook.*", "joblook.task", True),
        ("joblook.*", "joblook.service.web", False),  # * is exactly one part
        ("**", "anything.at.all", True),
        ("a.b other.**", "other.x", True),  # alternatives
        ("a.b", "a_b", False),  # a dot is literal
    ],
)
def test_fluentconf_matches_tags_like_fluentd(pattern: str, tag: str, matches: bool) -> None:
    assert fluentconf.tag_matches(pattern, tag) is matches


def test_dockerfile_reader_joins_continuations_and_splits_stages() -> None:
    stages = dockerfile.parse(
        textwrap.dedent(
            """
            # syntax=docker/dockerfile:1
            ARG VERSION=1
            FROM node:22 AS assets
            WORKDIR /build
            RUN npm ci \\
                # a comment inside a continuation
                --omit=dev
            FROM python:3.11-slim
            WORKDIR /app
            ENV A=1 \\
                B="two words"
            COPY --from=assets /build/node_modules web/node_modules
            USER 10001:10001
            CMD ["joblook", "web"]
            """
        )
    )
    assets, runtime = stages
    assert (assets.base, assets.name) == ("node:22", "assets")
    assert [step.arguments for step in assets.find("RUN")] == ["npm ci --omit=dev"]
    assert runtime.env() == {"A": "1", "B": "two words"}
    (copy,) = runtime.copies()
    assert copy == dockerfile.Copy("assets", ["/build/node_modules"], "/app/web/node_modules")
    assert runtime.user == "10001:10001"
    assert runtime.cmd == ["joblook", "web"]


def test_compose_reader_lists_interpolated_variables() -> None:
    text = "redis://:${PASSWORD:?set it}@redis:6379/0 $HOME $${NOT_A_VARIABLE} ${PORT:-8888}"
    assert composefile.variables(text) == ["PASSWORD", "HOME", "PORT"]


def test_compose_reader_reads_both_volume_syntaxes() -> None:
    service = {
        "volumes": [
            "logs:/data/logs:ro",
            {"type": "volume", "source": "state", "target": "/state"},
        ]
    }
    assert composefile.mounts(service) == [
        composefile.Mount("logs", "/data/logs", read_only=True),
        composefile.Mount("state", "/state", read_only=False),
    ]


def test_resolved_environment_takes_defaults_and_marks_required_secrets() -> None:
    service = {
        "environment": {
            "A": "${A:-10}",
            "B": "redis://:${PASSWORD:?set it}@redis/0",
            "C": "${C}",
            "D": "plain",
        }
    }
    assert composefile.resolved_environment(service) == {
        "A": "10",
        "B": "redis://:<PASSWORD>@redis/0",
        "C": "",
        "D": "plain",
    }
