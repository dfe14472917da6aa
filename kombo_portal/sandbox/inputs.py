"""Reading request bodies as Kombo does, and the errors its API answers with."""

from __future__ import annotations


class SandboxError(Exception):
    """An API error, answered with Kombo's error envelope."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def input_invalid(message: str) -> SandboxError:
    return SandboxError(400, "PLATFORM.INPUT_INVALID", message)


def require_object(body: object) -> dict[str, object]:
    if not isinstance(body, dict):
        raise input_invalid("The request body must be a JSON object.")
    return body


def optional_string(fields: dict[str, object], name: str) -> str | None:
    value = fields.get(name)
    if value is not None and not isinstance(value, str):
        raise input_invalid(f"{name}: must be a string or null.")
    return value


def choice(
    fields: dict[str, object],
    name: str,
    options: tuple[str, ...],
    *,
    default: str,
    nullable: bool = False,
) -> str:
    value = fields.get(name, default)
    if value is None and nullable:
        return default
    if not isinstance(value, str) or value not in options:
        raise input_invalid(f"{name}: must be one of {', '.join(options)}.")
    return value
