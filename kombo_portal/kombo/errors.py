"""The one exception the Kombo client raises, whatever went wrong."""

from __future__ import annotations

from enum import StrEnum


class FailureKind(StrEnum):
    API = "api"  # Kombo answered with an error
    TIMEOUT = "timeout"  # no answer in time
    CONNECTION = "connection"  # could not reach Kombo, or lost the connection mid-call
    INVALID_RESPONSE = "invalid_response"  # an answer that is not Kombo's envelope


class KomboError(Exception):
    """A Kombo call that did not succeed.

    `code` is Kombo's error code (for example `PLATFORM.INTEGRATION_NOT_FOUND`);
    Kombo advises branching on it rather than on the HTTP status.
    """

    def __init__(
        self,
        message: str,
        *,
        kind: FailureKind = FailureKind.API,
        status: int | None = None,
        code: str | None = None,
        title: str | None = None,
        log_url: str | None = None,
        retry_after_seconds: float | None = None,
        request_sent: bool = True,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.status = status
        self.code = code
        self.title = title
        self.log_url = log_url
        # What the server's Retry-After header asked for, if it sent one.
        self.retry_after_seconds = retry_after_seconds
        # False only when the connection failed before the request left: Kombo
        # cannot have acted on it.
        self.request_sent = request_sent

    def __str__(self) -> str:
        parts = [f"HTTP {self.status}" if self.status is not None else self.kind.value]
        if self.code:
            parts.append(self.code)
        return f"{' '.join(parts)}: {self.message}"

    def __repr__(self) -> str:
        return (
            f"KomboError(kind={self.kind.value!r}, status={self.status!r}, code={self.code!r}, "
            f"message={self.message!r})"
        )

    @property
    def is_not_found(self) -> bool:
        return self.code == "PLATFORM.INTEGRATION_NOT_FOUND"
