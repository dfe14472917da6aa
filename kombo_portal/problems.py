"""`Problem`: what the person on the page is told when something they asked for did
not happen (refused, or Kombo failed), in their language.

Raised by the use cases and the record rules, shown by the page's state; its English
`message` goes to logs and audit rows.
"""

from __future__ import annotations

from kombo_portal.i18n import DEFAULT_LANGUAGE, translate
from kombo_portal.kombo import FailureKind, KomboError


class Problem(Exception):
    """`key` and `params` name the message (kombo_portal.i18n); `log_url` (Kombo's log
    of a failed call) is for admins."""

    def __init__(self, key: str, *, log_url: str | None = None, **params: object) -> None:
        self._describe(key, params, log_url)

    def _describe(self, key: str, params: dict[str, object], log_url: str | None) -> None:
        self.key = key
        self.params = params
        self.message = translate(DEFAULT_LANGUAGE, key, **params)
        self.log_url = log_url
        Exception.__init__(self, self.message)

    def text(self, language: str) -> str:
        return translate(language, self.key, **self.params)


def describe_kombo_failure(error: KomboError) -> str:
    """The key of a short message a non-developer understands."""
    if error.kind is FailureKind.TIMEOUT:
        return "problem.kombo_timeout"
    if error.kind is FailureKind.CONNECTION:
        return "problem.kombo_unreachable"
    if error.kind is FailureKind.INVALID_RESPONSE:
        # Kombo's fault (a garbled answer), not the set-up's: worth another try.
        return "problem.kombo_unreadable"
    if error.status == 429:
        return "problem.kombo_busy"
    if error.status is not None and error.status >= 500:
        return "problem.kombo_failed"
    return "problem.kombo_refused"


def kombo_problem(error: KomboError) -> Problem:
    """What the page says about a failed call to Kombo, with Kombo's log for admins."""
    return Problem(describe_kombo_failure(error), log_url=error.log_url)
