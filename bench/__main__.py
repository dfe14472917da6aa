"""`python -m bench` (what `make bench` runs): every scenario, then docs/benchmarks.md
and docs/benchmarks.json.

    python -m bench                 # all scenarios, full size
    python -m bench --quick         # small sizes, to check the benchmarks themselves work
    python -m bench --only webhooks # one scenario (by module name)
    python -m bench --output DIR    # benchmarks.md and .json into DIR instead of docs/
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from bench.result import ScenarioResult

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DOCS = PROJECT_ROOT / "docs"
# In the order the issue lists them; each module has `run(quick: bool) -> ScenarioResult`.
SCENARIOS = ("webhooks", "click_to_flow", "page_weight", "many_users", "live_updates")


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(meminfo.read_text().split()[1])
        memory = f"{kib / 1024 / 1024:.1f} GiB"
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": memory,
        "os": platform.platform(),
        "python": platform.python_version(),
        "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def format_number(value: float | None, unit: str = "") -> str:
    if value is None:
        return "–"
    whole = abs(value) >= 100 or float(value).is_integer()
    text = f"{value:,.0f}" if whole else f"{value:,.2f}"
    return text if unit == "count" else f"{text} {unit}".strip()


def markdown(results: list[ScenarioResult], failures: dict[str, str], info: dict) -> str:
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench`. Every figure is measured next to its baseline in the",
        "same run on the same machine; the ratio is what to compare between runs.",
        "",
        f"Run on {info['date']} in {info['total seconds']:.0f} s"
        f"{' (quick sizes)' if info['quick'] else ''}.",
        "",
        "| machine | |",
        "|---|---|",
        *(f"| {key} | {value} |" for key, value in info["machine"].items()),
        "",
    ]
    for result in results:
        lines += [
            f"## {result.name}",
            "",
            f"Baseline: {result.baseline}. Took {result.seconds:.0f} s.",
            "",
            "| figure | value | baseline | ratio | target | met |",
            "|---|---|---|---|---|---|",
        ]
        for figure in result.figures:
            met = {True: "yes", False: "**no**", None: ""}[figure.met]
            ratio = "" if figure.ratio is None else f"{figure.ratio:.2f}"
            baseline = (
                format_number(figure.baseline, figure.unit) if figure.baseline is not None else ""
            )
            value = format_number(figure.value, figure.unit)
            lines.append(
                f"| {figure.name} | {value} | {baseline} | {ratio} | {figure.target} | {met} |"
            )
        lines.append("")
        if result.biggest_cost:
            lines += [f"Biggest cost left: {result.biggest_cost}", ""]
        lines += [f"- {note}" for note in result.notes]
        if result.notes:
            lines.append("")
    for name, error in failures.items():
        lines += [f"## {name}: did not finish", "", "```", error.strip(), "```", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes")
    parser.add_argument("--only", choices=SCENARIOS, action="append")
    parser.add_argument("--output", type=Path, default=DOCS, help="folder for the report")
    args = parser.parse_args(argv)
    started = time.monotonic()
    info = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "quick": args.quick,
    }
    results: list[ScenarioResult] = []
    failures: dict[str, str] = {}
    for name in args.only or SCENARIOS:
        print(f"== {name}", flush=True)
        scenario_started = time.monotonic()
        try:
            result = importlib.import_module(f"bench.{name}").run(quick=args.quick)
        except Exception:  # one broken scenario must not hide the others' figures
            failures[name] = traceback.format_exc()
            print(failures[name], file=sys.stderr, flush=True)
            continue
        result.seconds = time.monotonic() - scenario_started
        results.append(result)
        for figure in result.figures:
            ratio = "" if figure.ratio is None else f" (x{figure.ratio:.2f} of baseline)"
            print(
                f"   {figure.name}: {format_number(figure.value, figure.unit)}{ratio}", flush=True
            )
    info["total seconds"] = time.monotonic() - started
    output: Path = args.output
    output.mkdir(parents=True, exist_ok=True)
    (output / "benchmarks.md").write_text(markdown(results, failures, info))
    report = {**info, "scenarios": [r.as_dict() for r in results], "failures": failures}
    (output / "benchmarks.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"Wrote {output}/benchmarks.md and .json in {info['total seconds']:.0f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
