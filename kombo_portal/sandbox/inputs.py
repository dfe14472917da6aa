"""Reading request bodies as Kombo does, and the errors its API answers with."""

from __future__ import annotations

from kombo_portal.sandbox.models import random_text


def new_log_url() -> str:
    """A page of Kombo's log, as Kombo links a failed remote call to one (there it
    lists the interaction; the sandbox has no such page)."""
    return f"https://app.kombo.dev/logs/{random_text(24)}"


class SandboxError(Exception):
    """An API error, answered with Kombo's error envelope.

    `log_url` where Kombo gives one (a call to the tool that failed; validation
    errors have none). `keeps_changes`: what the request did so far is committed
    before the error is answered (a failure that Kombo announces by webhook, too).
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        log_url: str | None = None,
        keeps_changes: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.log_url = log_url
        self.keeps_changes = keeps_changes


def input_invalid(message: str) -> SandboxError:
    return SandboxError(400, "PLATFORM.INPUT_INVALID", message)


def require_object(body: object) -> dict[str, object]:
    if not isinstance(body, dict):
        raise input_invalid("The request body must be a JSON object.")
    return body


def optional_string(
    fields: dict[str, object], name: str, *, max_length: int | None = None
) -> str | None:
    value = fields.get(name)
    if value is not None and not isinstance(value, str):
        raise input_invalid(f"{name}: must be a string or null.")
    if value is not None and max_length is not None and len(value) > max_length:
        raise input_invalid(f"{name}: at most {max_length} characters.")
    return value


def flag(fields: dict[str, object], name: str, *, default: bool = False) -> bool:
    value = fields.get(name, default)
    if not isinstance(value, bool):
        raise input_invalid(f"{name}: must be a boolean.")
    return value


def reject_unknown_fields(fields: dict[str, object], known: frozenset[str] | set[str]) -> None:
    unknown = sorted(str(name)[:40] for name in set(fields) - known)
    if unknown:
        raise input_invalid(f"Unknown field(s): {', '.join(unknown)}.")


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
