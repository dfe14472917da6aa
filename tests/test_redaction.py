"""The redaction every line of a serving process passes: configured secrets by value,
run-time secrets (tokens, cookies, passwords) by their place in the line, whoever
writes the line."""

from __future__ import annotations

import subprocess
import sys

import pytest

from harness.processes import clean_environment
from kombo_portal.config import PROJECT_ROOT
from kombo_portal.cookies import SESSION_COOKIE
from kombo_portal.redaction import REDACTED, Redactor

API_KEY = "ks_prod_redaction_7f3e9a1c5b2d4e6f"
WEBHOOK_SECRET = "whsec_redaction_Qw8Er7Ty6Ui5"
TOKEN = "tok_Zx9Cv8Bn7Mm6Ll5Kk4"


@pytest.mark.parametrize(
    "line",
    [
        f"HTTP Request: GET http://kombo.test/v1/connect/integration-by-token/{TOKEN} 200",
        f"GET /sandbox/kombo/connect?token={TOKEN}&lang=en HTTP/1.1",
        f"https://connect.kombo.dev/v1/embedded?lang=de&token={TOKEN}",
        f"form data {{'email': 'a@b.test', 'password': '{TOKEN}'}}",
        f'{{"activation_token": "{TOKEN}", "ok": true}}',
        f"headers [(b'cookie', b'{SESSION_COOKIE}={TOKEN}; theme=dark')]",
        f"Cookie: theme=dark; {SESSION_COOKIE}={TOKEN}",
        f"Authorization: Bearer {TOKEN}",
        f"{{'router': {{'headers': {{'cookie': '{TOKEN}'}}}}}}",
        f'{{"webhook_secret": "{TOKEN}"}}',  # keys that end in a secret's name
        f"x-refresh-token='{TOKEN}' retry=1",
    ],
)
def test_run_time_secrets_are_redacted_by_their_place(line):
    redacted = Redactor().redact(line)

    assert TOKEN not in redacted
    assert REDACTED in redacted


@pytest.mark.parametrize(
    "line",
    [
        "Kombo GET /connect/integration-by-token/... -> 200 in 21ms",
        "Details of personio:31QZTh02IzKpOzKW02eopUEb fetched",
        "Webhook evt_1 (integration-created): applied",
        "Signed in admin@demo.test (organisation 3f2a)",
    ],
)
def test_ordinary_lines_are_left_alone(line):
    assert Redactor([API_KEY]).redact(line) == line


SERVING_PROCESS = f"""
import logging, sys
import rxconfig  # as Reflex starts: it reads rxconfig.py first
from rich.console import Console

# A handler made after the net is in place (as granian's logging setup is) and one
# made before would both write; the record factory covers either.
logging.getLogger("_granian").addHandler(logging.StreamHandler(sys.stderr))
logging.getLogger("_granian").warning("access GET /cb?token={TOKEN} key=%s", "{API_KEY}")
logging.getLogger("reflex.state").error("event payload {{'password': '{TOKEN}'}}")
try:
    raise RuntimeError("refused {WEBHOOK_SECRET}")
except RuntimeError:
    logging.getLogger("httpx").exception("failed")
print("Config: kombo key {API_KEY}")
sys.stderr.write("stderr {SESSION_COOKIE}={TOKEN}\\n")
Console().print("rich console {API_KEY}")
"""


def test_every_line_a_serving_process_writes_passes_the_redaction():
    environment = {
        **clean_environment(),
        "PORTAL_ENV_FILE": "",
        "KOMBO_API_KEY": API_KEY,
        "KOMBO_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "PORTAL_SECRET_KEY": "redaction-test-secret-key-0123456789abcdef",
    }

    result = subprocess.run(
        [sys.executable, "-c", SERVING_PROCESS],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )

    output = result.stdout + result.stderr
    for written in ("access GET", "event payload", "RuntimeError", "Config:", "stderr", "rich"):
        assert written in output, written
    for secret in (API_KEY, WEBHOOK_SECRET, TOKEN):
        assert secret not in output, output
    assert output.count(REDACTED) >= 7
