"""The axe helpers themselves (no browser): npm's own words when installing fails, and
one session's results in the results file."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.browser import accessibility


def test_a_failed_npm_install_raises_with_npms_output(monkeypatch):
    monkeypatch.setattr(accessibility, "installed_axe_version", lambda: None)

    def failing_npm(command, **options):
        return subprocess.CompletedProcess(
            command, 1, stdout="npm notice ...", stderr="npm ERR! code ENOTFOUND registry"
        )

    monkeypatch.setattr(accessibility.subprocess, "run", failing_npm)

    with pytest.raises(RuntimeError) as raised:
        accessibility.install_axe()

    message = str(raised.value)
    assert "npm ERR! code ENOTFOUND registry" in message
    assert "npm notice ..." in message
    assert "exited with 1" in message


def test_the_results_file_holds_this_sessions_audits_only(monkeypatch, tmp_path):
    results = tmp_path / "axe-results.jsonl"
    results.write_text('{"page": "from an earlier session"}\n')
    monkeypatch.setattr(accessibility, "ARTIFACTS", tmp_path)
    monkeypatch.setattr(accessibility, "AXE_RESULTS", results)
    monkeypatch.setattr(accessibility, "_session", {"results_started": False})

    accessibility.record("sign-in", [])
    accessibility.record("integrations", [])

    pages = [json.loads(line)["page"] for line in results.read_text().splitlines()]
    assert pages == ["sign-in", "integrations"]
