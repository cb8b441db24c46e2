"""fluent.conf against the files it must agree with: compose, and the code of worker and web.

Where a value is the code's own (the logs directory, the web's port, the /sync body limit), the
test asks the code for it instead of repeating it, so a change on either side shows up here.
"""

from __future__ import annotations

import json
import posixpath
import re
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from joblook import fluentlog
from joblook.settings import Settings
from joblook.web import hosts
from joblook.worker.chunker import MAX_CHUNK_CHARS
from joblook.worker.logfile import LOG_FILE_MODE

from . import composefile
from .conftest import FLUENT_CONF
from .fluentconf import Section, defaulted_variables, env_variables, size_bytes, tag_matches

TASK_TAG = "joblook.task"


def _settings(service: dict[str, Any]) -> Settings:
    """The settings a joblook service gets from its compose environment."""
    return Settings.from_env(composefile.resolved_environment(service))


def _tail(conf: Section) -> Section:
    (tail,) = [source for source in conf.all("source") if source.type == "tail"]
    return tail


def _sync(conf: Section) -> Section:
    return conf.one("match", TASK_TAG)


def _forward(conf: Section) -> Section:
    (forward,) = [source for source in conf.all("source") if source.type == "forward"]
    return forward


def _joblook_services(services: dict[str, Any]) -> dict[str, str]:
    """Compose service name -> the ``joblook`` command it runs (its logging service name).
    One-shots (``restart: "no"``, e.g. the s3 profile's bucket step) are left out: they run
    before Fluentd starts and print their one line to ``docker compose logs``."""
    return {
        name: service["command"][1]
        for name, service in services.items()
        if service.get("command", [None])[0] == "joblook" and service.get("restart") != "no"
    }


def test_fluentd_tails_the_directory_the_worker_writes(
    services: dict[str, Any], fluent_conf: Section
) -> None:
    logs_dir = _settings(services["worker"]).logs_dir
    tail = _tail(fluent_conf)
    assert tail.params["path"] == f"{logs_dir}/*.jsonl"
    assert tail.params["tag"] == TASK_TAG, "the tail's tag must reach the /sync match"


def test_fluentd_reads_the_worker_log_volume_at_the_same_path(services: dict[str, Any]) -> None:
    logs_dir = str(_settings(services["worker"]).logs_dir)
    (written,) = [m for m in composefile.mounts(services["worker"]) if m.target == logs_dir]
    (read,) = [m for m in composefile.mounts(services["fluentd"]) if m.target == logs_dir]
    assert read.source == written.source, "worker and fluentd must share one log volume"
    assert not written.read_only
    assert read.read_only, "fluentd only reads task logs"


def test_fluentd_reads_every_line_from_new_files_promptly(fluent_conf: Section) -> None:
    tail = _tail(fluent_conf).params
    assert tail["read_from_head"] == "true", "a new task's first lines must not be skipped"
    assert tail["follow_inodes"] == "true", "a `*` path without it can duplicate or skip lines"
    assert float(tail["refresh_interval"]) <= 1, "new task files are found this often"
    assert tail.get("enable_stat_watcher", "true") == "true", "without inotify: 1 s polling"


def test_fluentd_passes_each_line_on_as_the_worker_wrote_it(fluent_conf: Section) -> None:
    # Unparsed, so nothing of the record (its "time" field, say) is moved or re-encoded.
    parse = _tail(fluent_conf).one("parse")
    assert parse.type == "none"
    written = _sync(fluent_conf).one("format")
    assert written.type == "single_value"
    assert written.params["message_key"] == parse.params["message_key"]
    assert written.params.get("add_newline", "true") == "true", "one record per line"


def test_fluentd_posts_to_the_web_sync_endpoint(
    services: dict[str, Any], fluent_conf: Section
) -> None:
    sync = _sync(fluent_conf)
    assert sync.type == "http"
    endpoint = urlsplit(sync.params["endpoint"])
    assert endpoint.hostname == "web" and "web" in services
    assert endpoint.port == _settings(services["web"]).port, "the web's port in the container"
    assert endpoint.path == "/sync"
    assert sync.params.get("http_method", "post") == "post"


def test_fluentd_authenticates_with_the_token_compose_passes(
    services: dict[str, Any], fluent_conf: Section
) -> None:
    headers = json.loads(_sync(fluent_conf).params["headers"])
    scheme, _, token = headers["Authorization"].partition(" ")
    assert scheme == "Bearer"
    (variable,) = env_variables(token)
    assert variable == "JOBLOOK_SYNC_TOKEN"
    # fluentd gets it from the same .env entry the web checks /sync against.
    fluentd_value = composefile.environment(services["fluentd"])[variable]
    web_value = composefile.environment(services["web"])["JOBLOOK_SYNC_TOKEN"]
    assert composefile.variables(fluentd_value) == composefile.variables(web_value) == [variable]


def test_fluentd_never_prints_its_config_with_the_token(fluent_conf: Section) -> None:
    assert fluent_conf.one("system").params.get("suppress_config_dump") == "true"


def test_fluentd_sends_ndjson_that_sync_accepts(fluent_conf: Section) -> None:
    from joblook.web.ingest import NDJSON_TYPES  # noqa: PLC0415  (as SYNC_MAX_BYTES below)

    sync = _sync(fluent_conf)
    assert sync.params.get("json_array", "false") == "false", "lines, not a JSON array"
    assert sync.params["content_type"] in NDJSON_TYPES


def test_fluentd_retries_server_errors_instead_of_dropping_lines(fluent_conf: Section) -> None:
    sync = _sync(fluent_conf)
    retryable = set(json.loads(sync.params["retryable_response_codes"]))
    assert {500, 503} <= retryable, "a web restart or crash must be retried, not dropped"
    assert {401, 403} <= retryable, "a token mismatch must hold the lines, not divert them"
    buffer = sync.one("buffer").params
    assert buffer["retry_forever"] == "true", "the default gives up after 72 h"
    assert buffer["overflow_action"] == "block", "a full buffer must pause reading, not drop"
    assert sync.one("secondary").type == "secondary_file", "refused batches must be kept"


def test_fluentd_keeps_connections_to_sync_open(
    services: dict[str, Any], fluent_conf: Section
) -> None:
    assert _sync(fluent_conf).params["reuse_connections"] == "true"
    # reuse_connections exists since Fluentd 1.17: the image must be at least that.
    image = services["fluentd"]["image"]
    version = re.fullmatch(r"fluent/fluentd:v(\d+)\.(\d+)[.\w-]*", image)
    assert version, f"expected a fluent/fluentd:vX.Y... tag, got {image}"
    assert (int(version[1]), int(version[2])) >= (1, 17)


def test_one_record_always_fits_in_a_fluentd_chunk(fluent_conf: Section) -> None:
    # Imported here: if the web package cannot be imported, this test fails, not the whole module.
    from joblook.web.ingest import SYNC_MAX_BYTES  # noqa: PLC0415

    chunk_limit = size_bytes(_sync(fluent_conf).one("buffer").params["chunk_limit_size"])
    # A record larger than chunk_limit_size is dropped by Fluentd. Worst case per character
    # once JSON-escaped is 6 bytes (\u0001); 4 KiB covers the other fields.
    largest_record = 6 * MAX_CHUNK_CHARS + 4096
    assert largest_record <= chunk_limit
    # A chunk is one POST body: /sync must accept it (else 413, and the batch goes to failed/).
    assert chunk_limit < SYNC_MAX_BYTES


def test_a_fluentd_chunk_holds_records_of_far_fewer_tasks_than_sync_takes(
    fluent_conf: Section,
) -> None:
    from joblook.settings import DEFAULT_SYNC_MAX_TASKS  # noqa: PLC0415

    # Every record of a chunk may be of another task; more tasks than /sync takes is a 413, and
    # Fluentd sets the whole chunk aside in failed/.
    records = int(_sync(fluent_conf).one("buffer").params["chunk_limit_records"])
    assert 0 < records <= DEFAULT_SYNC_MAX_TASKS // 2


def test_fluentd_keeps_its_state_on_a_volume(compose: dict[str, Any], fluent_conf: Section) -> None:
    sync = _sync(fluent_conf)
    state_paths = {
        "pos_file": _tail(fluent_conf).params["pos_file"],
        "buffer path": sync.one("buffer").params["path"],
        "secondary directory": sync.one("secondary").params["directory"],
    }
    volumes = [
        mount
        for mount in composefile.mounts(compose["services"]["fluentd"])
        if mount.source in compose["volumes"] and not mount.read_only
    ]
    assert sync.one("buffer").type in ("file", "file_single"), "a memory buffer is lost on restart"
    for what, path in state_paths.items():
        on_volume = [m for m in volumes if PurePosixPath(path).is_relative_to(m.target)]
        assert on_volume, f"fluentd's {what} ({path}) is not on a writable named volume"


def test_fluentd_uses_the_mounted_config(services: dict[str, Any]) -> None:
    (config,) = [m for m in composefile.mounts(services["fluentd"]) if m.target.endswith(".conf")]
    assert config.source == "./fluentd/fluent.conf"
    # The image runs `fluentd -c /fluentd/etc/${FLUENTD_CONF}`, FLUENTD_CONF=fluent.conf.
    assert config.target == posixpath.join("/fluentd/etc", "fluent.conf")
    assert config.read_only


def test_service_logs_are_printed_and_cannot_reach_sync(fluent_conf: Section) -> None:
    (forward,) = [source for source in fluent_conf.all("source") if source.type == "forward"]
    label = forward.params.get("@label")
    assert label, "forwarded events must be routed to a label, away from the /sync match"
    printed = fluent_conf.one("label", label).one("match", "joblook.service.**")
    assert printed.type == "stdout"
    assert all(match.argument != TASK_TAG for match in fluent_conf.one("label", label).all("match"))


def test_fluentd_is_reachable_only_on_the_compose_network(services: dict[str, Any]) -> None:
    # Its forward input accepts log events from anyone who can connect.
    assert "ports" not in services["fluentd"]


def test_every_joblook_service_sends_its_logs_to_the_fluentd_forward_input(
    services: dict[str, Any], fluent_conf: Section
) -> None:
    forward = _forward(fluent_conf).params
    assert _joblook_services(services), "no service runs a joblook command"
    for name in _joblook_services(services):
        settings = _settings(services[name])
        assert settings.fluentd_host == "fluentd" and "fluentd" in services, name
        assert settings.fluentd_port == int(forward["port"]), f"{name}: not fluentd's forward port"
    assert forward["bind"] == "0.0.0.0", "the other containers must reach it"


def test_fluentd_prints_the_tag_each_service_logs_with(
    services: dict[str, Any], fluent_conf: Section
) -> None:
    label = fluent_conf.one("label", _forward(fluent_conf).params["@label"])
    for command in _joblook_services(services).values():
        tag = fluentlog.tag(command)  # the tag the code sends, e.g. joblook.service.web
        # Fluentd routes an event to the first <match> whose pattern matches its tag.
        first = next((m for m in label.all("match") if tag_matches(m.argument, tag)), None)
        assert first is not None and first.type == "stdout", f"{tag} is not printed"


def test_compose_leaves_fluentds_local_variables_at_their_container_defaults(
    services: dict[str, Any],
) -> None:
    # fluent.conf reads local paths and ports as "#{ENV['NAME'] || 'container default'}" (for
    # `joblook up --shipper fluentd`); the defaults are what the checks above read, so compose
    # must not set any of them.
    text = FLUENT_CONF.read_text(encoding="utf-8")
    defaulted = defaulted_variables(text)
    assert {"FLUENTD_TASK_LOGS", "FLUENTD_STATE_DIR", "JOBLOOK_SYNC_URL"} <= defaulted.keys()
    assert not defaulted.keys() & composefile.environment(services["fluentd"]).keys()


def test_the_web_answers_to_the_names_compose_reaches_it_by(
    services: dict[str, Any], fluent_conf: Section
) -> None:
    # The web refuses a Host it does not know (DNS rebinding); Fluentd posts to web:8888, the
    # healthcheck and the published port arrive as 127.0.0.1 or localhost.
    allowed = hosts.allowed_hosts(_settings(services["web"]))
    endpoint = urlsplit(_sync(fluent_conf).params["endpoint"])
    assert endpoint.hostname in allowed, "set it in the web's JOBLOOK_ALLOWED_HOSTS"
    public = urlsplit(_settings(services["web"]).public_url).hostname
    assert {"127.0.0.1", "localhost", public} <= allowed


def test_fluentd_is_in_the_group_that_may_read_task_logs(services: dict[str, Any]) -> None:
    # Task logs are the worker's (UID/GID 10001) and its group's alone; fluentd runs as `fluent`.
    assert LOG_FILE_MODE & 0o044 == 0o040, "group-readable, not world-readable"
    assert "10001" in [str(group) for group in services["fluentd"].get("group_add", [])]
