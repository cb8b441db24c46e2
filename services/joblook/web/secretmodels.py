"""The shapes of ``/secrets`` (schemas of ``/openapi.json`` too, like every model in
``models.py``). No reply has a field that could hold a value."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from joblook.secretnames import MAX_VALUE_BYTES, MIN_VALUE_BYTES, NAME_PATTERN, NAME_RULE
from joblook.web.models import Shape, Stamp, refusing

SecretName = Annotated[
    str,
    Field(
        pattern=NAME_PATTERN,
        description="The environment variable the command sees: capitals, digits and `_`.",
        examples=["DB_PASSWORD"],
    ),
    refusing(NAME_RULE),
]


def _fits(value: str) -> str:
    size = len(value.encode())
    if not MIN_VALUE_BYTES <= size <= MAX_VALUE_BYTES or "\0" in value:  # no env var holds NUL
        raise ValueError("refused")
    return value


class SecretNamePath(Shape):
    name: SecretName


class SecretRequest(Shape):
    value: Annotated[
        str,
        Field(
            min_length=1,
            description=f"The value, {MIN_VALUE_BYTES} to {MAX_VALUE_BYTES} bytes as UTF-8. "
            "Stored encrypted; never returned.",
        ),
        AfterValidator(_fits),
        refusing(
            f"{{name}} must be a string of {MIN_VALUE_BYTES} to {MAX_VALUE_BYTES} bytes, "
            "without NUL characters"
        ),
    ]


class SecretInfo(Shape):
    name: SecretName
    set_at: Stamp = Field(description="When it was last set.")


class SecretList(Shape):
    secrets: list[SecretInfo] = Field(description="Every secret by name; never a value.")
    key_set: bool = Field(description="Whether JOBLOOK_SECRET_KEY is set on this web server.")


class SecretDeleted(Shape):
    name: SecretName
    deleted: bool
