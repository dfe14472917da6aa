"""axe-core audits for browser tests: the npm package (pinned in tests/browser/package.json)
injected into the page under test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page

TESTS_BROWSER = Path(__file__).resolve().parent
AXE_SCRIPT = TESTS_BROWSER / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = TESTS_BROWSER.parents[1] / "test-results"
AXE_RESULTS = ARTIFACTS / "axe-results.jsonl"
# What fails a test; "moderate" and "minor" are printed but let it pass.
BLOCKING_IMPACTS = ("critical", "serious")
# Whether this test session has written AXE_RESULTS yet: its first audit starts the
# file afresh, so it holds this session's results only.
_session = {"results_started": False}


def install_axe() -> Path:
    """`npm ci` the browser tests' npm packages when missing or not the locked version,
    so a fresh clone (and CI) needs no extra step. Raises with npm's own words if it fails."""
    if installed_axe_version() != locked_axe_version():
        venv_bin = Path(sys.executable).parent
        command = [venv_bin / "npm", "ci", "--no-audit", "--no-fund", "--prefix", TESTS_BROWSER]
        result = subprocess.run(
            command,
            env={**os.environ, "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}"},
            capture_output=True,
            text=True,
            timeout=300,
        )
        if result.returncode != 0:
            raise RuntimeError(npm_failure(command, result))
    return AXE_SCRIPT


def npm_failure(command: list, result: subprocess.CompletedProcess[str]) -> str:
    """What went wrong, in npm's words (its output would otherwise be lost)."""
    return (
        f"{' '.join(map(str, command))} exited with {result.returncode}\n"
        f"--- stdout ---\n{result.stdout.strip()}\n--- stderr ---\n{result.stderr.strip()}"
    )


def locked_axe_version() -> str:
    lock = json.loads((TESTS_BROWSER / "package-lock.json").read_text())
    return lock["packages"]["node_modules/axe-core"]["version"]


def installed_axe_version() -> str | None:
    installed = AXE_SCRIPT.parent / "package.json"
    return json.loads(installed.read_text())["version"] if installed.exists() else None


def audit_context(browser: Browser, *, color_scheme: str = "light", **options) -> BrowserContext:
    """A context whose pages accept the injected axe script.

    bypass_csp: the production build's Content-Security-Policy allows only the
    portal's own scripts, so it would block axe. Only audit contexts bypass it;
    every other browser test runs under the real policy.
    """
    return browser.new_context(bypass_csp=True, color_scheme=color_scheme, **options)


def run_axe(page: Page) -> list[dict]:
    """axe's violations on the page as it is now (iframes are audited on their own)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_SCRIPT))
    return page.evaluate(
        """async () => {
            const results = await axe.run(document, {
                resultTypes: ["violations"],
                iframes: false,
            });
            return results.violations.map((v) => ({
                id: v.id,
                impact: v.impact,
                help: v.help,
                nodes: v.nodes.map((n) => n.target.join(" ") + ": " + n.failureSummary),
            }));
        }"""
    )


def summary(violations: list[dict]) -> dict[str, int]:
    """Affected elements by impact."""
    counts = Counter()
    for violation in violations:
        counts[violation["impact"]] += len(violation["nodes"])
    return {impact: counts[impact] for impact in ("critical", "serious", "moderate", "minor")}


def report(name: str, violations: list[dict]) -> str:
    lines = [f"axe {name}: {summary(violations)}"]
    for violation in violations:
        lines.append(
            f"  {violation['impact']:<8} {violation['id']} x{len(violation['nodes'])}: "
            f"{violation['help']}"
        )
        lines.extend(f"      {node}" for node in violation["nodes"][:5])
    return "\n".join(lines)


def assert_accessible(page: Page, name: str) -> dict[str, int]:
    """Audit the page, print and record the result, fail on serious or critical problems."""
    violations = run_axe(page)
    text = report(name, violations)
    print(text)
    record(name, violations)
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, text
    return summary(violations)


def record(name: str, violations: list[dict]) -> None:
    """Add the page's summary to AXE_RESULTS (one JSON object a line)."""
    ARTIFACTS.mkdir(exist_ok=True)
    mode = "a" if _session["results_started"] else "w"
    with AXE_RESULTS.open(mode) as results:
        results.write(json.dumps({"page": name, **summary(violations)}) + "\n")
    _session["results_started"] = True
