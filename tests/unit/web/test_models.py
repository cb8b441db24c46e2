"""The API's models: /sync's hand-tuned record check agrees with the Record model the document
shows, and each limit is written once."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from joblook import record
from joblook.record import RecordError
from joblook.web import models

TASK = "5f2b8a1e-3c4d-4e5f-8a9b-0c1d2e3f4a5b"
OUT = {"task_id": TASK, "seq": 1, "time": "2026-11-22T02:13:00.123456Z", "stream": "stdout"}
OUT |= {"log": "hi\n"}
STATUS = OUT | {"stream": "status", "log": "exited", "state": "SUCCESS", "exit_code": 0}

SAMPLES: list[Any] = [
    OUT,
    OUT | {"stream": "stderr"},
    STATUS,
    STATUS | {"exit_code": None, "state": "STARTED"},
    OUT | {"seq": 2**53 - 1},
    OUT | {"seq": 2**64},
    OUT | {"task_id": TASK.upper()},
    OUT | {"task_id": "x"},
    OUT | {"task_id": 7},
    OUT | {"seq": 0},
    OUT | {"seq": -1},
    OUT | {"seq": 1.5},
    OUT | {"seq": True},
    OUT | {"seq": "1"},
    OUT | {"time": "2026-11-22T02:13:00Z"},
    OUT | {"time": "2026-11-22 02:13:00.123456Z"},
    OUT | {"time": "2026-13-22T02:13:00.123456Z"},
    OUT | {"time": "2026-11-22T25:13:00.123456Z"},
    OUT | {"time": 1795313580.123456},
    OUT | {"stream": "stdin"},
    OUT | {"stream": ["stdout"]},
    OUT | {"log": 5},
    OUT | {"log": None},
    OUT | {"uid": 0},
    {k: v for k, v in OUT.items() if k != "log"},
    OUT | {"state": "SUCCESS", "exit_code": 0},
    STATUS | {"state": "RUNNING"},
    STATUS | {"exit_code": "0"},
    STATUS | {"exit_code": 1.0},
    {k: v for k, v in STATUS.items() if k != "exit_code"},
    [OUT],
    "record",
    None,
]


def hand_checked(obj: Any) -> bool:
    try:
        record.from_mapping(obj)
    except RecordError:
        return False
    return True


def model_checked(obj: Any) -> bool:
    try:
        models.Record.model_validate(obj)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("obj", SAMPLES, ids=range(len(SAMPLES)))
def test_sync_s_record_check_and_the_documented_record_model_agree(obj: Any) -> None:
    assert hand_checked(obj) == model_checked(obj)


def test_the_samples_hold_both_good_and_bad_records() -> None:
    verdicts = [hand_checked(obj) for obj in SAMPLES]
    assert verdicts.count(True) == 6
    assert verdicts.count(False) == len(SAMPLES) - 6


WEB = Path(models.__file__).parent


def test_each_limit_is_written_once_in_the_web_package() -> None:
    spelled = {
        "9007199254740991|2\\*\\*53": "MAX_SAFE_INTEGER",
        "1e9|1_000_000_000": "TIMEOUT_BELOW",
    }
    for pattern, name in spelled.items():
        places = [
            f"{path.name}:{n}"
            for path in WEB.glob("*.py")
            for n, line in enumerate(path.read_text().splitlines(), 1)
            if re.search(pattern, line)
        ]
        assert places == [f"models.py:{_line_of(name)}"], (name, places)


def _line_of(name: str) -> int:
    lines = (WEB / "models.py").read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if line.startswith(f"{name} ="))
