"""Named jobs: commands an operator defines once, with typed parameters users fill in.

A jobs file (``JOBLOOK_JOBS_FILE``, YAML) names each job, its fixed argv template and its
parameters::

    jobs:
      train:
        description: Train a model
        argv: [python, train.py, --epochs, "{epochs}", "--model={model}"]
        params:
          epochs: {type: int, min: 1, max: 1000, default: 10}
          model: {type: choice, choices: [small, large]}
        queue: gpu          # optional: the queue it is sent to (docs/queues.md)
        gpus: 1             # optional: GPUs it holds while it runs
        max_concurrent: 2   # optional: the most runs of this job at once; the rest wait, in order
        retries: 2        # optional: attempts after a failed one (a request's own retries win)
        retry_delay: 30   # optional: seconds before the second attempt, doubling after
        secrets: [DB_PASSWORD]  # optional: secrets it gets as environment variables (masked)

A request names a job and gives parameter values. Every value is checked against its type and
then put into its place in argv, which runs without a shell: a value can never become a second
command, an option the template did not have, or a redirection. A request's value that would
begin an argument with ``-`` is refused unless its parameter says ``allow_leading_dash: true``
(the template should then put ``--`` before it); inside the template's own option
(``"--lr={lr}"``) it cannot be an option. Checking is strict: unknown parameters, missing ones
without a default, values of the wrong type, NaN or infinite numbers and NUL characters are all
refused.
"""

from __future__ import annotations

import math
import re
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from joblook import notices
from joblook.queuenames import MAX_GPUS, valid_queue
from joblook.secretnames import MAX_PER_TASK, NAME_RULE, valid_name

PARAM_TYPES = ("int", "float", "choice", "regex", "string")
MAX_STRING = 1000


class JobError(ValueError):
    """A request the jobs file does not allow; the message says why."""


class JobsFileError(ValueError):
    """A jobs file that cannot be used; the message says where."""


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: Any = None
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    pattern: re.Pattern[str] | None = None
    max_length: int = MAX_STRING
    # A value from the request may begin an argument with "-" (one the program reads as an
    # option unless "--" comes before it in argv).
    allow_leading_dash: bool = False

    def check(self, value: object) -> str:
        """The value as the text that goes into argv, or JobError."""
        if self.type in ("int", "float"):
            return self._number(value)
        if not isinstance(value, str):
            raise JobError(f"{self.name} must be a string")
        if self.type == "choice" and value not in self.choices:
            raise JobError(f"{self.name} must be one of {', '.join(self.choices)}")
        if self.type == "regex" and not (self.pattern and self.pattern.fullmatch(value)):
            raise JobError(f"{self.name} must match {self.pattern.pattern if self.pattern else ''}")
        if len(value) > self.max_length:
            raise JobError(f"{self.name} must be at most {self.max_length} characters")
        if "\0" in value:  # no exec can carry it
            raise JobError(f"{self.name} must not contain a NUL character")
        return value

    def _number(self, value: object) -> str:
        wanted = int if self.type == "int" else (int, float)
        if isinstance(value, bool) or not isinstance(value, wanted):
            raise JobError(
                f"{self.name} must be {'an integer' if self.type == 'int' else 'a number'}"
            )
        assert isinstance(value, int | float)
        if not math.isfinite(value):  # NaN compares False with min and max: it would pass both
            raise JobError(f"{self.name} must be a finite number, not {value}")
        if self.minimum is not None and value < self.minimum:
            raise JobError(f"{self.name} must be >= {self.minimum:g}")
        if self.maximum is not None and value > self.maximum:
            raise JobError(f"{self.name} must be <= {self.maximum:g}")
        return str(value)


@dataclass(frozen=True)
class Job:
    name: str
    description: str
    argv: tuple[str, ...]
    params: dict[str, Param]
    queue: str | None = None
    gpus: int = 0
    max_concurrent: int | None = None
    retries: int = 0
    retry_delay: float | None = None
    notify: tuple[str, ...] = ()  # Apprise URLs its tasks' ends go to (never described)
    secrets: tuple[str, ...] = ()

    def render(self, values: dict[str, object]) -> list[str]:
        """The argv to run for these parameter values (strictly checked)."""
        unknown = sorted(set(values) - set(self.params))
        if unknown:
            raise JobError(f"unknown parameters for {self.name}: {', '.join(unknown)}")
        texts = {}
        for name, param in self.params.items():
            if name in values:
                texts[name] = param.check(values[name])
            elif param.default is not None:
                texts[name] = param.check(param.default)
            else:
                raise JobError(f"{self.name} needs the parameter {name}")
        for part in self.argv:
            self._refuse_new_option(part, texts, values)
        return [part.format_map(texts) for part in self.argv]

    def _refuse_new_option(
        self, part: str, texts: dict[str, str], given: dict[str, object]
    ) -> None:
        """JobError if a request's value would begin this argument with "-": the program would
        read an option the template does not have (``sort -o/tmp/x``). Defaults and choices are
        the jobs file's own words, so they are not the request's to refuse."""
        name = _leading_field(part, texts)
        if name is None or not texts[name].startswith("-"):
            return
        param = self.params[name]
        if name in given and param.type != "choice" and not param.allow_leading_dash:
            raise JobError(
                f"{name} must not start with '-': the program would read it as an option (a jobs"
                " file can allow it: allow_leading_dash: true, with '--' before it in argv)"
            )

    def describe(self) -> dict[str, object]:
        """For the pages' forms: the job's name, description and parameters."""
        return {
            "name": self.name,
            "description": self.description,
            "argv": list(self.argv),
            "params": [_describe_param(p) for p in self.params.values()],
            "queue": self.queue,
            "gpus": self.gpus,
            "max_concurrent": self.max_concurrent,
            "retries": self.retries,
            "retry_delay": self.retry_delay,
            "secrets": list(self.secrets),
        }


def _leading_field(part: str, texts: dict[str, str]) -> str | None:
    """The parameter whose value begins ``part`` once rendered; None when template text does."""
    for literal, field, _spec, _conversion in string.Formatter().parse(part):
        if literal or field is None:
            return None
        if texts[field]:  # an empty value leaves the start to what follows it
            return field
    return None


def load(path: Path) -> dict[str, Job]:
    """The jobs in a jobs file, checked as a whole (JobsFileError names the problem)."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise JobsFileError(f"cannot read jobs file {path}: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("jobs"), dict):
        raise JobsFileError(f"{path}: expected a mapping with a 'jobs' mapping")
    return {str(name): _job(str(name), spec) for name, spec in document["jobs"].items()}


def _job(name: str, spec: object) -> Job:
    if not isinstance(spec, dict) or not isinstance(spec.get("argv"), list) or not spec["argv"]:
        raise JobsFileError(f"job {name}: needs a non-empty 'argv' list")
    params = {str(p): _param(name, str(p), s) for p, s in (spec.get("params") or {}).items()}
    argv = tuple(str(part) for part in spec["argv"])
    for part in argv:
        if "\0" in part:
            raise JobsFileError(f"job {name}: argv contains a NUL character")
        for _text, field, format_spec, conversion in _placeholders(name, part):
            if field is not None and field not in params:
                raise JobsFileError(f"job {name}: argv uses {{{field}}}, which is no parameter")
            if format_spec or conversion:  # it would change the value after it was checked
                raise JobsFileError(f"job {name}: write {{{field}}} without a conversion or format")
    retries, retry_delay = _retry_policy(name, spec)
    return Job(
        name,
        str(spec.get("description") or ""),
        argv,
        params,
        retries=retries,
        retry_delay=retry_delay,
        notify=_notify(name, spec.get("notify")),
        secrets=_secrets(name, spec),
        **_placement(name, spec),
    )


def _notify(job: str, urls: object) -> tuple[str, ...]:
    """The job's Apprise URLs, checked (an error names the item, never the URL's text)."""
    if urls is None:
        return ()
    if not isinstance(urls, list) or not all(isinstance(url, str) for url in urls):
        raise JobsFileError(f"job {job}: notify must be a list of Apprise URLs")
    for index, url in enumerate(urls):
        if not notices.is_apprise_url(url):
            raise JobsFileError(f"job {job}: notify[{index}] is no Apprise URL")
    return tuple(urls)


def _secrets(job: str, spec: dict[str, Any]) -> tuple[str, ...]:
    """The names of the secrets the job gets (checked here; whether they are set: at submit)."""
    names = spec.get("secrets") or []
    if not isinstance(names, list) or len(names) > MAX_PER_TASK:
        raise JobsFileError(f"job {job}: secrets must be a list of at most {MAX_PER_TASK} names")
    for name in names:
        if not valid_name(name):
            raise JobsFileError(f"job {job}: secret {name!r}: {NAME_RULE}")
    return tuple(dict.fromkeys(names))


def _placement(job: str, spec: dict[str, Any]) -> dict[str, Any]:
    """The job's queue, GPUs and concurrency limit, checked."""
    queue, gpus, limit = spec.get("queue"), spec.get("gpus", 0), spec.get("max_concurrent")
    if queue is not None and not (isinstance(queue, str) and valid_queue(queue)):
        raise JobsFileError(f"job {job}: queue must be a name of letters, digits, _ and -")
    if isinstance(gpus, bool) or not isinstance(gpus, int) or not 0 <= gpus <= MAX_GPUS:
        raise JobsFileError(f"job {job}: gpus must be a whole number from 0 to {MAX_GPUS}")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise JobsFileError(f"job {job}: max_concurrent must be a whole number above 0")
    return {"queue": queue, "gpus": gpus, "max_concurrent": limit}


MAX_RETRIES = 32  # as a request may ask for (web/models.py)


def _retry_policy(job: str, spec: dict[str, Any]) -> tuple[int, float | None]:
    retries, delay = spec.get("retries", 0), spec.get("retry_delay")
    if isinstance(retries, bool) or not isinstance(retries, int) or not 0 <= retries <= MAX_RETRIES:
        raise JobsFileError(f"job {job}: retries must be an integer from 0 to {MAX_RETRIES}")
    if delay is not None and not (_finite_number(delay) and delay > 0):
        raise JobsFileError(f"job {job}: retry_delay must be a number of seconds above 0")
    return retries, None if delay is None else float(delay)


def _placeholders(job: str, part: str) -> list[tuple[str, str | None, str | None, str | None]]:
    try:
        return list(string.Formatter().parse(part))
    except ValueError as exc:  # an unmatched brace
        raise JobsFileError(f"job {job}: argv item {part!r}: {exc}") from None


def _param(job: str, name: str, spec: object) -> Param:
    if not isinstance(spec, dict) or spec.get("type") not in PARAM_TYPES:
        raise JobsFileError(f"job {job}, parameter {name}: type must be one of {PARAM_TYPES}")
    pattern = spec.get("pattern")
    if spec["type"] == "regex" and not isinstance(pattern, str):
        raise JobsFileError(f"job {job}, parameter {name}: a regex parameter needs 'pattern'")
    choices = tuple(str(c) for c in spec.get("choices") or ())
    if spec["type"] == "choice" and not choices:
        raise JobsFileError(f"job {job}, parameter {name}: a choice parameter needs 'choices'")
    for bound in ("min", "max"):
        value = spec.get(bound)
        if value is not None and not _finite_number(value):
            raise JobsFileError(f"job {job}, parameter {name}: '{bound}' must be a finite number")
    if not isinstance(spec.get("allow_leading_dash", False), bool):
        raise JobsFileError(f"job {job}, parameter {name}: allow_leading_dash is true or false")
    param = Param(
        name=name,
        type=spec["type"],
        default=spec.get("default"),
        minimum=spec.get("min"),
        maximum=spec.get("max"),
        choices=choices,
        pattern=re.compile(pattern) if isinstance(pattern, str) else None,
        max_length=int(spec.get("max_length") or MAX_STRING),
        allow_leading_dash=spec.get("allow_leading_dash", False),
    )
    if param.default is not None:  # a NaN default would pass the bounds, and /jobs could not say it
        try:
            param.check(param.default)
        except JobError as exc:
            raise JobsFileError(f"job {job}, parameter {name}: default: {exc}") from None
    return param


def _finite_number(value: object) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value)


def _describe_param(param: Param) -> dict[str, object]:
    data: dict[str, object] = {"name": param.name, "type": param.type, "default": param.default}
    if param.choices:
        data["choices"] = list(param.choices)
    if param.pattern is not None:
        data["pattern"] = param.pattern.pattern
    if param.minimum is not None:
        data["min"] = param.minimum
    if param.maximum is not None:
        data["max"] = param.maximum
    return data
