"""What every concern's model shares: variable names as aliases, a blank value meaning
the default, and the value types more than one concern reads."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    SecretStr,
    model_validator,
)


def is_blank(value: object) -> bool:
    return isinstance(value, str) and not value.strip()


class ConcernSettings(BaseModel):
    """One concern's settings, read from the whole flat environment.

    Field aliases are the variable names, matched exactly (upper case); the other
    concerns' variables, and anything else in the environment, are ignored.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    @model_validator(mode="before")
    @classmethod
    def _blank_means_default(cls, values: object) -> object:
        # An empty `NAME=` line in .env (or the environment) means "the default": no
        # database URL, a boolean or a number nobody set is not an error.
        if isinstance(values, Mapping):
            return {name: value for name, value in values.items() if not is_blank(value)}
        return values


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


Stripped = BeforeValidator(_strip)
OptionalText = Annotated[str | None, Stripped]
OptionalSecret = Annotated[SecretStr | None, Stripped]


def url_starting_with(variable: str, *schemes: str) -> AfterValidator:
    """For an optional URL setting: it must start with one of `schemes`."""
    choices = f"{', '.join(schemes[:-1])} or {schemes[-1]}"

    def check(url: str | None) -> str | None:
        if url is not None and not url.startswith(schemes):
            raise ValueError(f"{variable}: must start with {choices}")
        return url

    return AfterValidator(check)


def origin(value: str, variable: str) -> str:
    """`https://host[:port]`, exactly: no path, query or wildcard."""
    parts = urlsplit(value)
    if (
        parts.scheme not in ("https", "http")
        or not parts.hostname
        or "*" in value
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or parts.username
    ):
        raise ValueError(f"{variable}: {value!r} is not an origin like https://host.example")
    return f"{parts.scheme}://{parts.netloc}"


def comma_separated(value: str) -> list[str]:
    """`a, b,,c` -> ["a", "b", "c"]."""
    return [part.strip() for part in value.split(",") if part.strip()]
