"""An async client for Kombo's API, on one shared httpx connection pool.

Every call returns the envelope's `data` as a typed result or raises KomboError.
Calls that Kombo refused without doing anything (429, 502, 503, 504) and calls
whose connection failed are retried with exponential backoff and jitter,
honouring `Retry-After`, within a bounded count and total time. One answer is
waited for at most `timeout_seconds`, whatever the transport.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError

from kombo_portal import metrics
from kombo_portal.kombo.errors import FailureKind, KomboError
from kombo_portal.kombo.models import (
    CreatedLink,
    CreateLinkRequest,
    Integration,
    IntegrationCategory,
    Language,
    LinkType,
    TokenIntegration,
    Tool,
)

logger = logging.getLogger(__name__)

RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})
# Exchanges an activation token for its integration; the token is the last part.
EXCHANGE_PATH = "connect/integration-by-token/"
DEFAULT_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: at most `max_attempts` calls within `budget_seconds` in all.

    A retry is made only if its wait and a whole attempt (the client's timeout)
    still fit in the budget, so a call never takes longer than the budget, or than
    one timeout if that is longer.
    """

    max_attempts: int = 4
    base_delay_seconds: float = 0.5
    max_delay_seconds: float = 8.0
    budget_seconds: float = 20.0

    def backoff(self, retry_number: int) -> float:
        """Full jitter: a random wait up to an exponentially growing cap."""
        cap = min(self.max_delay_seconds, self.base_delay_seconds * 2**retry_number)
        return random.uniform(0, cap)  # noqa: S311 (jitter, not security)


ResultT = TypeVar("ResultT", bound=BaseModel)
Sleep = Callable[[float], Awaitable[None]]


class KomboClient:
    """Kombo's API. One instance per process; close it with `aclose()` at shutdown."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        retry: RetryPolicy = RetryPolicy(),
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._retry = retry
        self._timeout_seconds = timeout_seconds
        self._sleep = sleep
        self._http = httpx.AsyncClient(
            base_url=self.base_url + "/",
            headers={"Authorization": f"Bearer {api_key}", "Accept": "application/json"},
            timeout=httpx.Timeout(timeout_seconds, connect=min(5.0, timeout_seconds)),
            transport=transport,
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return f"KomboClient(base_url={self.base_url!r})"

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> KomboClient:
        return self

    async def __aexit__(self, *_exc_info: object) -> None:
        await self.aclose()

    # -- Connect ---------------------------------------------------------------

    async def create_link(self, request: CreateLinkRequest) -> str:
        """A Connect link for one end user; open it with `showKomboConnect`."""
        return (await self.create_connection_link(request)).link

    async def create_connection_link(self, request: CreateLinkRequest) -> CreatedLink:
        """The link and, when the request enables static IPs, the addresses Kombo will
        call the customer's system from."""
        data = await self._call("POST", "connect/create-link", request.model_dump(mode="json"))
        return _parse(CreatedLink, data)

    async def integration_by_token(self, activation_token: str) -> TokenIntegration:
        """Exchange the token the Connect flow resolved with for the integration it created."""
        path = f"{EXCHANGE_PATH}{_path_part(activation_token)}"
        return _parse(TokenIntegration, await self._call("GET", path, repeatable=False))

    # -- Integrations ----------------------------------------------------------

    async def get_integration(self, integration_id: str) -> Integration:
        return _parse(Integration, await self._call("GET", _integration_path(integration_id)))

    async def delete_integration(self, integration_id: str) -> None:
        """Irreversible. Raises KomboError with `is_not_found` if it is already gone."""
        await self._call("DELETE", _integration_path(integration_id), {})

    async def create_relink_link(
        self,
        integration_id: str,
        *,
        language: Language | None = None,
        scope_config_id: str | None = None,
        link_type: LinkType = LinkType.EMBEDDED,
    ) -> str:
        """A link that repairs this integration in place (same id), for example new credentials."""
        body: dict[str, object] = {"link_type": link_type.value}
        if language is not None:
            body["language"] = language.value
        if scope_config_id is not None:
            body["scope_config_id"] = scope_config_id
        path = f"{_integration_path(integration_id)}/relink"
        return _string_field(await self._call("POST", path, body), "link")

    async def create_setup_link(
        self,
        integration_id: str,
        *,
        link_type: LinkType = LinkType.EMBEDDED,
        language: Language | None = None,
    ) -> str:
        """A link into the integration's setup steps: to finish an incomplete setup, or
        to change the choices of a completed one (Kombo answers it whenever the
        integration has at least one setup step enabled)."""
        body: dict[str, object] = {"link_type": link_type.value}
        if language is not None:
            body["language"] = language.value
        path = f"{_integration_path(integration_id)}/setup-link"
        return _string_field(await self._call("POST", path, body), "link")

    async def set_enabled(self, integration_id: str, enabled: bool) -> None:
        path = f"{_integration_path(integration_id)}/enabled"
        await self._call("PUT", path, {"value": enabled})

    # -- Other -----------------------------------------------------------------

    async def list_tools(self, category: IntegrationCategory | str) -> list[Tool]:
        # Kombo's path takes the category in lower case: /tools/hris.
        data = await self._call("GET", f"tools/{_path_part(str(category).lower())}")
        tools = data.get("tools")
        if not isinstance(tools, list):
            raise _invalid_response(200, "the tools list is missing")
        return [_parse(Tool, tool) for tool in tools]

    async def check_api_key(self) -> str:
        """The id of the Kombo environment the API key belongs to."""
        return _string_field(await self._call("GET", "check-api-key"), "environment_id")

    # -- Transport -------------------------------------------------------------

    async def _call(
        self,
        method: str,
        path: str,
        body: dict[str, object] | None = None,
        *,
        repeatable: bool = True,
    ) -> dict[str, object]:
        """`repeatable`: whether sending the request twice is harmless (see _is_retryable)."""
        started = time.monotonic()
        for attempt in range(1, self._retry.max_attempts + 1):
            try:
                return await self._attempt(method, path, body)
            except KomboError as error:
                if not _is_retryable(error, repeatable) or attempt == self._retry.max_attempts:
                    raise
                delay = error.retry_after_seconds
                if delay is None:
                    delay = self._retry.backoff(attempt - 1)
                needed = time.monotonic() - started + delay + self._timeout_seconds
                if needed > self._retry.budget_seconds:
                    logger.warning(
                        "Kombo %s /%s: giving up, a retry in %.1fs would exceed the %.0fs budget",
                        method,
                        _shown_path(path),
                        delay,
                        self._retry.budget_seconds,
                    )
                    raise
                logger.warning(
                    "Kombo %s /%s failed (%s); retry %d in %.2fs",
                    method,
                    _shown_path(path),
                    error,
                    attempt,
                    delay,
                )
            await self._sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _attempt(
        self, method: str, path: str, body: dict[str, object] | None
    ) -> dict[str, object]:
        """One HTTP call: the envelope's data, or KomboError."""
        with metrics.timed_kombo_call(_endpoint_template(method, path)) as measured:
            response = await self._send(method, path, body, measured)
        if response.status_code == 200:
            return _success_data(response)
        raise _error_from(response)

    async def _send(
        self, method: str, path: str, body: dict[str, object] | None, measured: dict[str, str]
    ) -> httpx.Response:
        started = time.monotonic()
        try:
            # httpx's timeouts bound each connect and each read, not the whole answer
            # (a server may trickle it), and an in-process transport (the sandbox)
            # applies none: this deadline bounds the whole attempt either way.
            async with asyncio.timeout(self._timeout_seconds):
                response = await self._http.request(method, path, json=body)
        except (httpx.TimeoutException, TimeoutError):
            measured["status"] = "timeout"
            raise KomboError(
                f"Kombo did not answer {method} /{_shown_path(path)} in time",
                kind=FailureKind.TIMEOUT,
            ) from None
        except (httpx.TransportError, OSError) as error:
            # OSError: an in-process transport passes a dropped connection on as is.
            measured["status"] = "connection_error"
            raise KomboError(
                f"the connection to Kombo at {self.base_url} failed ({type(error).__name__})",
                kind=FailureKind.CONNECTION,
                request_sent=not isinstance(error, httpx.ConnectError),
            ) from None
        logger.debug(
            "Kombo %s /%s -> %d in %.0fms",
            method,
            _shown_path(path),
            response.status_code,
            (time.monotonic() - started) * 1000,
        )
        measured["status"] = str(response.status_code)
        return response


def _is_retryable(error: KomboError, repeatable: bool) -> bool:
    # A connection that failed after the request left may have carried it to Kombo.
    # Most calls are safe to repeat anyway: reads, a PUT of a value, a DELETE whose
    # repeat answers "not found" (which callers count as done), and POSTs that only
    # make a link (a repeat makes a second link nobody is shown). Exchanging a
    # one-time activation token is not: Kombo may have used it up, and the repeat
    # would report a failure for an integration that exists.
    # A timeout is not retried: the person waiting would wait twice as long.
    if error.kind is FailureKind.CONNECTION:
        return repeatable or not error.request_sent
    return error.kind is FailureKind.API and error.status in RETRYABLE_STATUSES


def _success_data(response: httpx.Response) -> dict[str, object]:
    envelope = _json_or_none(response)
    if not isinstance(envelope, dict) or envelope.get("status") != "success":
        raise _invalid_response(response.status_code, "the success envelope is missing")
    data = envelope.get("data")
    if not isinstance(data, dict):
        raise _invalid_response(response.status_code, "the envelope has no data object")
    return data


def _error_from(response: httpx.Response) -> KomboError:
    envelope = _json_or_none(response)
    error = envelope.get("error") if isinstance(envelope, dict) else None
    if not isinstance(error, dict):
        kind = "a body that is not JSON" if envelope is None else "JSON that is not an error"
        return KomboError(
            f"Kombo answered HTTP {response.status_code} with {kind}",
            status=response.status_code,
            retry_after_seconds=_retry_after_seconds(response),
        )
    return KomboError(
        str(error.get("message") or error.get("title") or "no message"),
        status=response.status_code,
        code=_optional_text(error.get("code")),
        title=_optional_text(error.get("title")),
        log_url=_optional_text(error.get("log_url")),
        retry_after_seconds=_retry_after_seconds(response),
    )


def _retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


def _json_or_none(response: httpx.Response) -> object:
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None


def _optional_text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _invalid_response(status: int, what: str) -> KomboError:
    return KomboError(
        f"Kombo's answer could not be understood: {what}",
        kind=FailureKind.INVALID_RESPONSE,
        status=status,
    )


def _string_field(data: dict[str, object], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value:
        raise _invalid_response(200, f"`{name}` is missing")
    return value


def _parse(model: type[ResultT], data: object) -> ResultT:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise _invalid_response(200, f"{model.__name__}: {error.errors()[0]['msg']}") from None


def _shown_path(path: str) -> str:
    """The path as log lines and error messages show it: without the one-time
    activation token, which is worth an integration until it is exchanged."""
    if path.startswith(EXCHANGE_PATH):
        return EXCHANGE_PATH + "..."
    return path


def _endpoint_template(method: str, path: str) -> str:
    """`GET /integrations/{id}`: the metrics' label for a call, never with an id or a
    token in it (each would be a series of its own, and a token is worth an integration)."""
    parts = path.split("/")
    if path.startswith(EXCHANGE_PATH):
        parts = [*EXCHANGE_PATH.rstrip("/").split("/"), "{token}"]
    elif parts[0] == "integrations" and len(parts) > 1:
        parts[1] = "{id}"
    elif parts[0] == "tools" and len(parts) > 1:
        parts[1] = "{category}"
    return f"{method} /{'/'.join(parts)}"


def _path_part(value: str) -> str:
    if not value:
        raise ValueError("an empty value cannot be part of a Kombo path")
    return quote(value, safe="")


def _integration_path(integration_id: str) -> str:
    # Kombo's ids (`personio:CBNM...`) appear with their colon unencoded in paths;
    # everything else is encoded so an id can never reach another path.
    if not integration_id:
        raise ValueError("an empty integration id")
    return f"integrations/{quote(integration_id, safe=':')}"
