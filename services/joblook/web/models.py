"""Every shape the HTTP API takes or gives, once: these models validate requests (through
``spec.validate``) and are the schemas of ``/openapi.json``.

A request that fails a model is a 400 whose ``error`` names the field (see ``spec.py``). Fields
refuse with their own words (``refusing``); ``{name}`` in them is the field's name as sent.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    JsonValue,
    RootModel,
    Tag,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    WrapValidator,
    model_validator,
)
from pydantic_core import PydanticCustomError, PydanticUseDefault

from joblook import notices, record
from joblook.queuenames import DEFAULT_QUEUE, MAX_GPUS, QUEUE_PATTERN
from joblook.record import State
from joblook.secretnames import MAX_PER_TASK, NAME_PATTERN, NAME_RULE
from joblook.store.lines.pattern import QUERY_MAX
from joblook.web.launch import KINDS

# Limits, each named once.
# The largest integer a query may carry: JavaScript's largest safe one, and far inside the 64-bit
# range Redis computes list offsets in (an offset past it was a 500, not a 400).
MAX_SAFE_INTEGER = 2**53 - 1
TIMEOUT_BELOW = 1_000_000_000  # seconds: a timeout is above 0 and below this
MAX_STEPS = 100  # commands in one chain or group
MAX_BATCH = 10_000  # tasks one request may queue: a batch's items, a sweep's combinations
TASKS_DEFAULT, TASKS_MAX = 50, 500  # GET /tasks: a page's size when not asked, and at most
MAX_RETRIES = 32  # attempts after the first
MAX_RETRY_DELAY = 24 * 60 * 60.0  # seconds: the longest first retry delay a request may ask for

REFUSED = "joblook"  # the error type of a field's own refusal


def refusing(message: str) -> WrapValidator:
    """Whatever the field's own checks refuse is refused with ``message`` (its items' errors
    stay theirs)."""

    def wrap(value: object, handler: ValidatorFunctionWrapHandler) -> object:
        try:
            return handler(value)
        except ValidationError as exc:
            if all(error["loc"] for error in exc.errors()):
                raise  # an item's own error (chain[1]), not this field's
            raise PydanticCustomError(REFUSED, message) from None

    return WrapValidator(wrap)


def _blank_is_default(value: object) -> object:
    # A query's ``?name=`` means the default, as when it is absent.
    if value == "":
        raise PydanticUseDefault
    return value


def _query_int(value: object) -> object:
    try:
        return int(value) if isinstance(value, str) else value
    except ValueError:
        raise PydanticCustomError(REFUSED, "{name} must be an integer") from None


def _required(value: object) -> object:
    if value in ("", None):
        raise PydanticCustomError("missing", "{name} is required")
    return value


def _no_nul(value: str) -> str:
    if "\0" in value:  # no exec can carry it: the worker could only fail to start the command
        raise PydanticCustomError(REFUSED, "{name} must not contain a NUL character")
    return value


def _epoch_seconds(value: object) -> object:
    if not isinstance(value, str):
        return value
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise PydanticCustomError(
            REFUSED, "{name} must be an ISO 8601 timestamp, like a task's created_at"
        ) from None


def choice(options: tuple[str, ...]) -> Any:
    return Annotated[
        Literal[options],  # type: ignore[valid-type]
        refusing(f"{{name}} must be one of {', '.join(options)}"),
        BeforeValidator(_blank_is_default),
    ]


def query_int(minimum: int) -> Any:
    """An integer query value from ``minimum`` to MAX_SAFE_INTEGER."""
    return Annotated[
        int,
        Field(ge=minimum, le=MAX_SAFE_INTEGER),
        refusing(f"{{name}} must be >= {minimum} and <= {MAX_SAFE_INTEGER}"),
        BeforeValidator(_query_int),
        BeforeValidator(_blank_is_default),
    ]


TaskId = Annotated[
    str,
    Field(
        pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
        json_schema_extra={"format": "uuid"},
        description="A canonical (lower-case, hyphenated) UUID.",
    ),
    refusing("{name} must be a UUID"),
    BeforeValidator(_required),
]
Stamp = Annotated[
    str | None, Field(description="ISO 8601 UTC, e.g. `2026-11-22T02:13:00.123456Z`.")
]
ExitCode = Annotated[int | None, Field(description="Null until the task ends.")]
Count = Annotated[int, Field(ge=0)]


class Shape(BaseModel):
    """A JSON object with exactly these keys: unknown ones are refused, never ignored."""

    model_config = ConfigDict(extra="forbid")


class Error(Shape):
    """Every error: what went wrong, and optionally any JSON value that says more."""

    error: str = Field(description="What went wrong, for people.")
    detail: JsonValue = Field(None, description="Any JSON value that says more (optional).")


# --- records (/sync, /permlog, the jsonl log) -------------------------------------------------
# /sync checks records with record.from_mapping, which also builds the record objects the store
# appends: 5.4 us a record, against 9.0 us for these models and 23 us with the objects (a batch
# of 10,000). These models describe them; tests/unit/web/test_models.py holds the two to the
# same answers.


def _real_time(value: str) -> str:
    if not record.is_time(value):  # the pattern, and the calendar: no month 13
        raise PydanticCustomError(REFUSED, "{name} must be UTC to the microsecond")
    return value


class OutputRecord(Shape):
    """Output: a raw chunk of a command's stdout or stderr."""

    task_id: TaskId
    seq: int = Field(ge=1, strict=True, description="1, 2, 3... per task, no gaps.")
    time: Annotated[str, AfterValidator(_real_time)] = Field(
        pattern=f"^{record.TIME_PATTERN}$",
        description="When it was written: UTC to the microsecond.",
        examples=["2026-11-22T02:13:00.123456Z"],
    )
    stream: Literal["stdout", "stderr"]
    log: str = Field(strict=True, description="A raw chunk of output, terminator included.")


class StatusRecord(OutputRecord):
    """A change of task state."""

    stream: Literal["status"]  # type: ignore[assignment]
    state: State
    exit_code: ExitCode = Field(strict=True)


class Record(RootModel[Annotated[OutputRecord | StatusRecord, Field(discriminator="stream")]]):
    """One record, as the worker writes it."""


class SyncRequest(RootModel[list[Record] | Record]):
    """Records: a JSON array (or NDJSON, one per line), or one record."""


class SyncReply(Shape):
    received: Count
    stored: Count = Field(description="New ones; duplicates are skipped.")


class Permlog(Shape):
    task_id: TaskId
    state: State
    exit_code: ExitCode
    last_seq: Count = Field(description="The seq of the last stored record.")
    records: list[Record]


class PermlogQuery(BaseModel):
    task_id: TaskId
    after_seq: query_int(0) = Field(0, description="Only records after this seq.")  # type: ignore[valid-type]
    limit: query_int(1) = Field(None, description="At most this many (JSON only).")  # type: ignore[valid-type]
    format: choice(("json", "text")) = "json"  # type: ignore[valid-type]


class TaskIdQuery(BaseModel):
    task_id: TaskId


# --- enqueue ------------------------------------------------------------------------------------

Command = Annotated[
    str,
    Field(min_length=1, pattern=r"\S", description="Run with `/bin/sh -c`.", examples=["ls -al"]),
    refusing("{name} must be a non-empty string"),
    AfterValidator(_no_nul),
]
Steps = Annotated[
    list[Command],
    Field(min_length=1, max_length=MAX_STEPS),
    refusing(f"{{name}} must be a list of 1 to {MAX_STEPS} commands"),
]
Timeout = Annotated[
    float | None,
    Field(
        gt=0,
        lt=TIMEOUT_BELOW,
        strict=True,
        description="Seconds after which the command is killed (it ends FAILURE).",
    ),
    refusing("{name} must be a number of seconds above 0"),
]

QueueName = Annotated[
    str | None,
    Field(
        pattern=QUEUE_PATTERN,
        description=f"The queue it goes to (default `{DEFAULT_QUEUE}`), served by the workers "
        "started with `--queues NAME`. With no such worker it waits PENDING until one starts.",
        examples=["gpu"],
    ),
    refusing("{name} must be 1 to 64 letters, digits, _ or -, starting with a letter or digit"),
]
Gpus = Annotated[
    int | None,
    Field(
        ge=0,
        le=MAX_GPUS,
        strict=True,
        description="GPUs it holds while it runs, one task per GPU; the command sees them as "
        "`CUDA_VISIBLE_DEVICES`.",
    ),
    refusing(f"{{name}} must be a whole number from 0 to {MAX_GPUS}"),
]
Retries = Annotated[
    int | None,
    Field(
        ge=0,
        le=MAX_RETRIES,
        strict=True,
        description="Attempts after the first, each a task of its own, made when the one before "
        "ends FAILURE (not when cancelled). Default: the named job's own, else 0.",
    ),
    refusing(f"{{name}} must be an integer from 0 to {MAX_RETRIES}"),
]
RetryDelay = Annotated[
    float | None,
    Field(
        gt=0,
        le=MAX_RETRY_DELAY,
        strict=True,
        description="Seconds before the second attempt; each later wait doubles, up to 10 "
        "minutes (or this delay, if longer), and is a random 50-100 % of that. Default: the "
        "named job's own, else 10.",
    ),
    refusing(f"{{name}} must be a number of seconds above 0, at most {MAX_RETRY_DELAY:g}"),
]
SecretNames = Annotated[
    list[Annotated[str, Field(pattern=NAME_PATTERN), refusing(NAME_RULE)]] | None,
    Field(
        max_length=MAX_PER_TASK,
        description="Names of secrets (`PUT /secrets/{name}`) the command gets as environment "
        "variables; their values are masked as `***` in its output. An unknown name is a 400.",
        examples=[["DB_PASSWORD"]],
    ),
    refusing(f"{{name}} must be a list of at most {MAX_PER_TASK} secret names"),
]


MAX_NOTIFY = 10  # notify URLs one request may name


def _apprise_url(value: str) -> str:
    if not notices.is_apprise_url(value):  # the message never repeats the URL: it may hold a key
        raise PydanticCustomError(REFUSED, "{name} is no Apprise URL (see docs/notices.md)")
    return value


Notify = Annotated[
    list[
        Annotated[
            str,
            Field(min_length=4, max_length=2048),
            refusing("{name} must be an Apprise URL of at most 2048 characters"),
            AfterValidator(_no_nul),
            AfterValidator(_apprise_url),
        ]
    ]
    | None,
    Field(
        max_length=MAX_NOTIFY,
        description="Apprise URLs (`slack://...`, `mailto://...`, `ntfy://...`) the task's end is "
        "sent to, with its state, duration, link and last 20 lines of output. Shown masked "
        "(`slack://***`) once set.",
        examples=[["json://hooks.example.com/joblook"]],
    ),
    refusing(f"{{name}} must be a list of at most {MAX_NOTIFY} Apprise URLs"),
]


class Launch(Shape):
    """Where and how a launch runs, besides what it runs: the same fields, checked the same way
    (``web/submit.check_launch``), by ``POST /enqueue`` and ``POST /schedules`` alike."""

    timeout: Timeout = None
    queue: QueueName = None
    gpus: Gpus = None
    notify: Notify = None


class RawLaunch(Launch):
    """A launch of raw commands (a command, a chain, a group, a schedule's): also secrets (a
    named job names its own in the jobs file)."""

    secrets: SecretNames = None


class CommandForm(RawLaunch):
    cmd: Command
    retries: Retries = None
    retry_delay: RetryDelay = None


class JobForm(Launch):
    job: Annotated[str, refusing("unknown job")] = Field(
        description="A job's name from JOBLOOK_JOBS_FILE."
    )
    params: Annotated[dict[str, JsonValue] | None, refusing("{name} must be a JSON object")] = (
        Field(None, description="Its parameters, checked by their types.")
    )
    retries: Retries = None
    retry_delay: RetryDelay = None


Grid = Annotated[
    dict[
        str,
        Annotated[
            list[JsonValue], Field(min_length=1), refusing("{name} must be a non-empty list")
        ],
    ],
    Field(min_length=1),
    refusing("{name} must map each swept parameter to a non-empty list of values"),
]


class JobRequest(JobForm):
    """A named job; with ``sweep``, one run per combination of the swept values."""

    sweep: Grid | None = Field(
        None,
        description="Parameter -> values: one run per combination (the cartesian product, at "
        f"most {MAX_BATCH:,}), each with `params` plus its values, grouped under one parent.",
        examples=[{"lr": [0.1, 0.01], "seed": [1, 2, 3]}],
    )

    @model_validator(mode="after")
    def _bounded(self) -> JobRequest:
        if self.sweep is None:
            return self
        both = sorted(set(self.sweep) & set(self.params or {}))
        if both:
            raise PydanticCustomError(REFUSED, f"{', '.join(both)}: in both params and sweep")
        runs = math.prod(len(values) for values in self.sweep.values())
        if runs > MAX_BATCH:
            raise PydanticCustomError(
                TOO_MANY,
                f"a sweep may have at most {MAX_BATCH:,} combinations",
                {"detail": {"combinations": runs, "max": MAX_BATCH}},
            )
        return self


class ChainForm(RawLaunch):
    """Steps run one after another; each gets the secrets and sends its end to `notify`."""

    chain: Steps


class GroupForm(RawLaunch):
    """Steps run at once; each gets the secrets and sends its end to `notify`."""

    group: Steps


def _item_of(body: object) -> str | None:
    given = [key for key in ("cmd", "job") if isinstance(body, dict) and key in body]
    return given[0] if len(given) == 1 else None


BatchItem = Annotated[
    Annotated[CommandForm, Tag("cmd")] | Annotated[JobForm, Tag("job")],
    Discriminator(
        _item_of,
        custom_error_type=REFUSED,
        custom_error_message="each item needs exactly one of cmd or job",
    ),
]


class BatchForm(Shape):
    batch: Annotated[
        list[BatchItem],
        Field(min_length=1, max_length=MAX_BATCH),
        refusing(f"{{name}} must be a list of 1 to {MAX_BATCH:,} tasks"),
    ] = Field(
        description="Tasks to queue at once, each a `cmd` or a `job` (with `params`) request "
        "as `POST /enqueue` takes it: `timeout`, `queue`, `gpus`, `retries`, `retry_delay`.",
        examples=[[{"cmd": "python train.py --lr 0.1"}, {"job": "train", "params": {"lr": 0.01}}]],
    )
    timeout: Timeout = Field(None, description="The timeout of each item that names none.")


FORMS: dict[str, type[Shape]] = {
    "cmd": CommandForm,
    "job": JobRequest,
    "chain": ChainForm,
    "group": GroupForm,
    "batch": BatchForm,
}
ENQUEUE_KEYS = frozenset(key for form in FORMS.values() for key in form.model_fields)
TOO_MANY = "too_many"  # the error type of a request over MAX_BATCH tasks: 413


def _form_of(body: object) -> str | None:
    given = [key for key in FORMS if isinstance(body, dict) and key in body]
    return given[0] if len(given) == 1 else None


class EnqueueRequest(
    RootModel[
        Annotated[
            Annotated[CommandForm, Tag("cmd")]
            | Annotated[JobRequest, Tag("job")]
            | Annotated[ChainForm, Tag("chain")]
            | Annotated[GroupForm, Tag("group")]
            | Annotated[BatchForm, Tag("batch")],
            Discriminator(_form_of),
        ]
    ]
):
    """Exactly one of `cmd`, `job` (with `params`, and optionally a `sweep`), `chain` (in
    order), `group` (in parallel) or `batch` (up to 10,000 tasks at once)."""

    @model_validator(mode="before")
    @classmethod
    def _one_form(cls, body: object) -> object:
        if not isinstance(body, dict):
            raise PydanticCustomError(REFUSED, "the body must be a JSON object")
        unknown = sorted(set(body) - ENQUEUE_KEYS)
        if unknown:
            detail = {"unknown": unknown, "allowed": sorted(ENQUEUE_KEYS)}
            raise PydanticCustomError("unknown_keys", "unknown keys", {"detail": detail})
        form = _form_of(body)
        if form is None:
            raise PydanticCustomError(
                REFUSED, "send exactly one of cmd, job, chain, group or batch"
            )
        for key in ("params", "sweep"):
            if key in body and form != "job":
                raise PydanticCustomError(REFUSED, f"{key} go with job")
        if form in ("chain", "group", "batch") and {"retries", "retry_delay"} & set(body):
            raise PydanticCustomError(REFUSED, "retries go with cmd or job (a step's own)")
        if form == "batch" and {"queue", "gpus"} & set(body):
            raise PydanticCustomError(REFUSED, "queue and gpus go with a batch's items")
        items = body.get("batch")
        if isinstance(items, list) and len(items) > MAX_BATCH:  # before reading any of them
            raise PydanticCustomError(
                TOO_MANY,
                f"a batch may hold at most {MAX_BATCH:,} tasks: send the rest in another",
                {"detail": {"items": len(items), "max": MAX_BATCH}},
            )
        return body


class EnqueueReply(Shape):
    task_id: TaskId = Field(  # type: ignore[assignment]
        None, description="The task; for a chain, group or sweep, the parent. Not for a batch."
    )
    steps: list[TaskId] = Field(  # type: ignore[assignment]
        None, description="A chain's, group's or sweep's (a sweep's in the grid's order)."
    )
    task_ids: list[TaskId] = Field(  # type: ignore[assignment]
        None, description="A batch's, in the order of its items."
    )


class JobList(Shape):
    jobs: list[dict[str, JsonValue]]


# --- tasks --------------------------------------------------------------------------------------


class CancelRequest(Shape):
    """Who asked to cancel the unfinished task, and when (by id only)."""

    by: str
    at: str


class Task(Shape):
    """A task as TaskInfo.to_json() gives it (plus the cancel request GET /tasks/{task_id} adds);
    ``kind``, ``steps`` and ``parent`` only where they apply."""

    task_id: TaskId
    cmd: str | None = Field(description="A parent's joins its steps'.")
    state: State
    exit_code: ExitCode
    created_at: Stamp
    started_at: Stamp
    finished_at: Stamp
    worker: str | None
    records: Count = Field(description="Records stored so far.")
    bytes: Count = Field(description="Output bytes stored so far.")
    message: str | None = Field(description="The last status note.")
    timeout: float | None
    kind: Literal[KINDS] = Field(None, description="A parent's.")  # type: ignore[valid-type]
    steps: list[TaskId] = Field(None, description="A parent's.")  # type: ignore[assignment]
    parent: TaskId = Field(  # type: ignore[assignment]
        None, description="A step's chain, group or sweep."
    )
    params: dict[str, JsonValue] = Field(  # type: ignore[assignment]
        None, description="A sweep's run: the parameters it runs with."
    )
    progress: float | None = Field(
        ge=0,
        le=1,
        description="How far along the output says the task is (a tqdm bar, a percentage, "
        '`{"progress": 0.4}`); null until it says.',
    )
    eta_seconds: float | None = Field(
        ge=0,
        description="Seconds left, as of the latest progress (the program's own estimate, "
        "else the rate so far); null when unknown and once the task has ended.",
    )
    last_output_at: Stamp = Field(description="When the task last printed something.")
    schedule_id: TaskId = Field(None, description="The schedule that started it.")  # type: ignore[assignment]
    queue: str | None = Field(description="The queue it was sent to (a parent's: null).")
    gpus: Count = Field(description="GPUs it asked for.")
    submitted_by: str | None = Field(
        description="Who or what started it: a user's name (`admin`: the shared "
        "`JOBLOOK_TOKEN`), `schedule:<id>`, `rerun:<id>` (a re-run of that task) or "
        "`retry:<id>` (a retry of that first attempt); null for tasks queued before it was kept."
    )
    cancelled_by: str | None = Field(description="Who asked for it to be cancelled, if anyone.")
    definition: dict[str, JsonValue] | None = Field(
        description="What `POST /tasks/{task_id}/rerun` sends again: the enqueue request "
        "(`cmd`, or `job` and `params`, or `chain` or `group`; `timeout`, `retries`...). Null "
        "for a task queued before definitions were kept."
    )
    rerun_of: TaskId | None = Field(description="The task this one re-runs.")
    reruns: list[TaskId] = Field(description="The tasks that re-ran this one, oldest first.")
    attempt: int = Field(  # type: ignore[assignment]
        None, ge=1, description="A retried task's: which attempt this is (1, 2...)."
    )
    run: str | list[str] = Field(  # type: ignore[assignment]
        None,
        description="A retried task's: what every attempt runs, a shell line or a job's argv.",
    )
    due_at: Stamp = Field(
        None, description="An attempt's, while it waits for its retry delay: when it is queued."
    )
    placement: dict[str, JsonValue] = Field(  # type: ignore[assignment]
        None,
        description="A retried task's: the queue, GPUs and limits every attempt is sent with "
        "(`queue`, `gpus`, `limits`: `[[scope, most at once], ...]`).",
    )
    first_attempt: TaskId = Field(  # type: ignore[assignment]
        None, description="An attempt after the first: the first, whose page shows them all."
    )
    retries: int = Field(  # type: ignore[assignment]
        None, ge=0, description="The first attempt's: attempts allowed after it."
    )
    retry_delay: float = Field(  # type: ignore[assignment]
        None, description="The first attempt's: seconds before the second attempt."
    )
    attempts: list[TaskId] = Field(  # type: ignore[assignment]
        None,
        description="The first attempt's: every attempt so far, in order, itself first. Its "
        "`state`, `exit_code`, `finished_at` and `message` are the latest attempt's, so the "
        "first attempt's id tells how the whole task ended.",
    )
    next_attempt_at: Stamp = Field(
        None, description="The first attempt's, while the next one waits: when it is queued."
    )
    notify: list[str] = Field(  # type: ignore[assignment]
        None,
        description="Where its end is sent (the request's and its named job's Apprise URLs), "
        "masked: `slack://***`. The URLs themselves are never returned.",
    )
    cancel_requested: CancelRequest | None = None
    gpu_ids: list[str] | None = Field(
        None, description="The ids of the GPUs it holds (or held), once it started on them."
    )
    waiting: str | None = Field(
        None,
        description="While PENDING: why it has not started, e.g. `no worker serves queue gpu`, "
        "`waiting for queue:gpu (2nd in line, 2 of 2 running)`.",
    )


class TaskWithCancel(Task):
    cancel_requested: CancelRequest | None  # type: ignore[assignment]


class TaskList(Shape):
    tasks: list[Task]


class TasksQuery(BaseModel):
    state: choice(tuple(s.value for s in State)) = Field(  # type: ignore[valid-type]
        None, description="Only tasks in this state."
    )
    limit: query_int(1) = Field(  # type: ignore[valid-type]
        TASKS_DEFAULT, description=f"At most this many (and never more than {TASKS_MAX})."
    )
    before: Annotated[
        float | None,
        BeforeValidator(_epoch_seconds),
        WithJsonSchema({"type": "string", "format": "date-time"}),
    ] = Field(
        None, description="Only tasks created before this time (the last one's `created_at`)."
    )
    q: Annotated[
        str | None,
        Field(max_length=QUERY_MAX),
        refusing(f"{{name}} must be at most {QUERY_MAX} characters"),
    ] = Field(
        None,
        description="Only tasks whose command contains this text (any case); with `output=1`, "
        "or whose output does.",
    )
    output: choice(("0", "1")) = Field(  # type: ignore[valid-type]
        "0",
        description="1: `q` also matches the output. Bounded: a page stops looking at outputs "
        "after 2 s and returns what it found (page on with `before`).",
    )


class RerunRequest(Shape):
    """Nothing (or `{}`) to run the task again as it was; fields of an enqueue request to change
    them (a new `cmd`, `job` or `chain` replaces the old form, `params` the old parameters); or
    `from: "failed"` to re-run a chain from its first step that did not succeed, a group's steps
    that did not."""

    from_: Literal["failed"] | None = Field(None, alias="from")
    cmd: Command = None  # type: ignore[assignment]
    job: str = None  # type: ignore[assignment]
    params: dict[str, JsonValue] | None = None
    chain: Steps = None  # type: ignore[assignment]
    group: Steps = None  # type: ignore[assignment]
    timeout: Timeout = None
    retries: Retries = None
    retry_delay: RetryDelay = None

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    BODY_OPTIONAL: ClassVar[bool] = True  # no body at all means {} (spec.py)


class CancelReply(Shape):
    task_id: TaskId
    cancel_requested: list[TaskId] = Field(description="The tasks.")


class LogQuery(BaseModel):
    follow: choice(("0", "1")) = Field(  # type: ignore[valid-type]
        "0", description="1 to keep the response open and stream output until the task ends."
    )
    format: choice(("text", "jsonl")) = "text"  # type: ignore[valid-type]


class Metrics(Shape):
    series: dict[str, list[Annotated[list[float], Field(min_length=2, max_length=2)]]] = Field(
        description="Series name -> its `[step, value]` points, oldest first."
    )


class Run(Shape):
    """One run of a chain, group or sweep, as its parent's page lists it."""

    task_id: TaskId
    cmd: str | None
    params: dict[str, JsonValue] | None = Field(description="A sweep run's parameters.")
    state: State
    exit_code: ExitCode
    progress: float | None = Field(ge=0, le=1)
    started_at: Stamp
    finished_at: Stamp
    metrics: dict[str, float] = Field(description="Each metric's latest value.")


class RunList(Shape):
    """A parent and its runs, in order (a sweep's in its grid's order)."""

    task_id: TaskId
    kind: Literal[KINDS]  # type: ignore[valid-type]
    cmd: str | None
    state: State
    job: str | None = Field(description="A sweep's job.")
    sweep: dict[str, list[JsonValue]] | None = Field(description="A sweep's grid.")
    runs: list[Run]


# --- service ------------------------------------------------------------------------------------


class Health(Shape):
    ok: Literal[True]
    redis: Literal["ok"]
    workers: Count = Field(description="Workers that answered the latest ping (every 2 s).")


class Config(Shape):
    flower_url: str
    stall_seconds: float = Field(
        gt=0, description="A running task silent this long may be stalled (JOBLOOK_STALL_SECONDS)."
    )
    states: list[str] = Field(description="Every task state, in lifecycle order.")
    terminal_states: list[str] = Field(description="The states a task ends in.")


# --- lines, search, sections (the LINES index: store/lines) --------------------------------------
LINES_DEFAULT, LINES_MAX = 500, 5_000  # GET /tasks/{id}/lines: a window's size, and at most
MATCHES_DEFAULT, MATCHES_MAX = 100, 500  # GET /tasks/{id}/search: a page's size, and at most


class LinesQuery(BaseModel):
    start: query_int(1) = Field(  # type: ignore[valid-type]
        None, description="The first line wanted (1-based); without it and `tail`, line 1."
    )
    count: query_int(1) = Field(  # type: ignore[valid-type]
        LINES_DEFAULT, description=f"How many from `start` (never more than {LINES_MAX})."
    )
    tail: query_int(1) = Field(  # type: ignore[valid-type]
        None, description=f"Instead of `start`: the last this many lines (at most {LINES_MAX})."
    )


Stream = Literal["stdout", "stderr"]


class Line(Shape):
    n: int = Field(ge=1, description="Its number: 1, 2, 3... in the order lines completed.")
    text: str = Field(description="As a terminal shows it: escapes kept, `\\r` frames collapsed.")
    time: float = Field(description="When it completed (epoch seconds).")
    stream: Stream


class PartialLine(Shape):
    """A stream's unterminated line: the latest frame of a progress bar, say."""

    stream: Stream
    text: str
    time: float


class Lines(Shape):
    task_id: TaskId
    total: Count = Field(description="Lines completed so far.")
    start: int = Field(ge=1, description="The number of the first line returned.")
    lines: list[Line]
    partial: list[PartialLine] = Field(
        description="Each stream's unterminated line (shown below the lines); once the task "
        "ends, these are its last lines instead."
    )
    last_seq: Count = Field(description="The last record turned into lines.")
    finished: bool = Field(description="The task has ended: no more lines will come.")


Flag = choice(("0", "1"))


class SearchQuery(BaseModel):
    q: Annotated[str, BeforeValidator(_required)] = Field(
        description=f"What to look for (at most {QUERY_MAX} characters, on one line), in each "
        "line's text without escapes: plain text, or with `regex=1` an RE2 regular expression."
    )
    regex: Flag = Field("0", description="1: `q` is a regular expression (RE2 syntax).")  # type: ignore[valid-type]
    case: Flag = Field("0", description="1: letters' case must match.")  # type: ignore[valid-type]
    after: query_int(0) = Field(  # type: ignore[valid-type]
        None, description="Only lines after this one, ascending (the `next` of a page)."
    )
    before: query_int(1) = Field(  # type: ignore[valid-type]
        None, description="Instead: only lines before this one, descending (for 'previous')."
    )
    limit: query_int(1) = Field(  # type: ignore[valid-type]
        MATCHES_DEFAULT, description=f"At most this many matches (never more than {MATCHES_MAX})."
    )


class CountQuery(BaseModel):
    q: Annotated[str, BeforeValidator(_required)] = Field(description="As for the search.")
    regex: Flag = "0"  # type: ignore[valid-type]
    case: Flag = "0"  # type: ignore[valid-type]


class Match(Shape):
    n: int = Field(ge=1, description="The line's number.")
    text: str = Field(description="The line as shown (escapes kept).")
    plain: str = Field(description="The line without escapes: what was searched.")
    ranges: list[list[int]] = Field(
        description="`[start, end]` of each match in `plain`, in characters (at most 100)."
    )


class SearchReply(Shape):
    matches: list[Match]
    next: int | None = Field(
        description="More matches follow: pass this as `after` (or `before`, when paging "
        "backwards) for the next page; null when there are no more."
    )
    total: Count = Field(description="Lines searched (completed lines so far).")


class CountReply(Shape):
    count: Count = Field(description="Lines that match.")
    total: Count = Field(description="Lines searched.")
    exact: bool = Field(
        description="False when counting took longer than 2 s and stopped: `count` is then "
        "the lines found so far (a lower bound)."
    )


class Section(Shape):
    title: str
    start: int = Field(ge=1, description="The line with the opening marker.")
    end: int | None = Field(description="The closing line; null while the section is open.")
    depth: int = Field(ge=0, description="Sections it is nested in.")
    kind: Literal["github", "gitlab", "buildkite"]
    collapsed: bool = Field(description="Shown folded at first (Buildkite `---`, GitLab "
                            "`[collapsed=true]`).")  # fmt: skip
    started_at: float = Field(description="Epoch seconds of the opening line.")
    ended_at: float | None = Field(description="Of the closing line; null while open.")


class Sections(Shape):
    sections: list[Section] = Field(description="In the order they start.")


# --- artifacts ----------------------------------------------------------------------------------


class ArtifactFile(Shape):
    name: str = Field(description="Its path under `$JOBLOOK_ARTIFACTS`, with `/` between parts.")
    size: Count = Field(description="Bytes.")
    type: str = Field(description="The media type it is served with.", examples=["image/png"])


class SkippedArtifact(Shape):
    name: str
    size: int | None = Field(description="Bytes, when it was a regular file.")
    reason: str = Field(
        description="Why it was not kept: over `JOBLOOK_MAX_ARTIFACT_BYTES`, a symbolic link..."
    )


class ArtifactList(Shape):
    """What a task's command left in `$JOBLOOK_ARTIFACTS` when it ended."""

    task_id: TaskId
    files: list[ArtifactFile] = Field(description="Kept, by name.")
    skipped: list[SkippedArtifact] = Field(description="Found but not kept, and why.")
    max_bytes: Count = Field(description="The cap on one task's artifacts when they were kept.")
    total_bytes: Count = Field(description="Bytes of the files kept.")
