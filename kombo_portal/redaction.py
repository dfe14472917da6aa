"""One redaction for everything a portal process writes: the portal's own log lines,
Reflex's and the web server's (granian), any library's, and text printed straight
to stdout or stderr (Reflex's console, tracebacks).

Two kinds of secret are replaced with `[redacted]`:
- the configured ones (API keys, webhook secrets, the secret key, URL passwords),
  by value;
- the ones made at run time (session cookies, activation tokens, Connect links'
  tokens, passwords typed into forms), by where they stand: after
  `integration-by-token/`, as a `token=` or `password=` query value, as the value
  of a `password`, `token`, `cookie` or `session` key, after `Bearer`, after the
  session cookie's name.

It is a safety net: the portal's code never logs these. Installed in every process
that serves the app (from rxconfig.py, which Reflex reads first, and again when
logging is configured), as a log-record factory, so it covers every logger whatever
handler writes the line, and as a wrapper of sys.stdout and sys.stderr.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from typing import TextIO

from kombo_portal.cookies import SESSION_COOKIE

REDACTED = "[redacted]"
# Shorter values are too likely to be ordinary words; redacting them would garble lines.
MIN_REDACTED_LENGTH = 8

# (pattern, replacement): what stands before the secret is kept, the secret goes.
_BY_PLACE = [
    # Not `...`: the portal's own lines write the path that way.
    (re.compile(r"(integration-by-token/)(?!\.\.\.)[^/\s?#\"'&]+"), rf"\1{REDACTED}"),
    (
        re.compile(r"([?&](?:token|activation_token|password|code)=)[^&\s\"'#]+", re.I),
        rf"\1{REDACTED}",
    ),
    (
        # `"password": "..."`, `'token': '...'` (JSON, dict reprs), also keys that end so
        # (what comes before the word stays as it is, so the pattern need not match it:
        # with a `[\w-]*` in front it took 40 µs a line, the whole redaction's 90 %).
        re.compile(
            r"""((?:password|token|cookie|session|secret)["']?\s*[:=]\s*b?["'])"""
            r"""[^"']+(["'])""",
            re.I,
        ),
        rf"\1{REDACTED}\2",
    ),
    (re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+", re.I), rf"\1{REDACTED}"),
    (re.compile(rf"({SESSION_COOKIE}=)[^;\s\"',]+"), rf"\1{REDACTED}"),
]


class Redactor:
    """Replaces the given secret values and run-time secrets by their place."""

    def __init__(self, values: Iterable[str] = ()) -> None:
        # Longest first, so a secret containing another is replaced whole.
        chosen = sorted({v for v in values if v and len(v) >= MIN_REDACTED_LENGTH}, key=len)
        self._values = (
            re.compile("|".join(re.escape(v) for v in reversed(chosen))) if chosen else None
        )

    def redact(self, text: str) -> str:
        if self._values is not None:
            text = self._values.sub(REDACTED, text)
        for pattern, replacement in _BY_PLACE:
            text = pattern.sub(replacement, text)
        return text


class RedactingStream:
    """A text stream that redacts what is written to it and passes the rest on."""

    def __init__(self, stream: TextIO) -> None:
        self.wrapped = stream

    def write(self, text: str) -> int:
        self.wrapped.write(_current.redact(text))
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> object:
        # flush, fileno, isatty, encoding, ...: as the wrapped stream has them.
        return getattr(self.wrapped, name)


_current = Redactor()
_base_factory = logging.getLogRecordFactory()


def _redacting_record(*args: object, **kwargs: object) -> logging.LogRecord:
    record = _base_factory(*args, **kwargs)
    message = record.getMessage()
    redacted = _current.redact(message)
    if redacted != message:
        record.msg, record.args = redacted, None
    if record.exc_info:
        # Formatters reuse exc_text once it is set, so the traceback is redacted too.
        record.exc_text = _current.redact(logging.Formatter().formatException(record.exc_info))
    return record


def install_redaction(values: Iterable[str]) -> Redactor:
    """Redact `values` (and run-time secrets) in everything this process writes from
    now on; calling again replaces the values. Returns the redactor in force."""
    global _current
    _current = Redactor(values)
    if logging.getLogRecordFactory() is not _redacting_record:
        logging.setLogRecordFactory(_redacting_record)
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and not isinstance(stream, RedactingStream):
            setattr(sys, name, RedactingStream(stream))
    return _current


def current_redactor() -> Redactor:
    return _current
