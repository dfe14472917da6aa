"""What a benchmark scenario reports: figures, each next to its baseline from the same run.

Shared machines are noisy, so a figure means something only as a ratio against a
baseline measured in the same run, on the same machine, right before or after it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Figure:
    """One measured quantity of a scenario and, where there is one, its baseline."""

    name: str  # e.g. "events applied per second (SQLite)"
    value: float
    unit: str  # e.g. "events/s", "ms", "bytes", "count"
    baseline: float | None = None  # the same quantity for the baseline, same run
    # What the issue asks for, in words, and whether this run met it (None: no target).
    target: str = ""
    met: bool | None = None

    @property
    def ratio(self) -> float | None:
        """value / baseline (None without a usable baseline)."""
        if self.baseline is None or self.baseline == 0:
            return None
        return self.value / self.baseline


@dataclass
class ScenarioResult:
    name: str  # e.g. "1. Webhook ingestion"
    baseline: str  # what the baseline is, in one line
    figures: list[Figure] = field(default_factory=list)
    # The biggest cost left, found by profiling (one or two sentences), and any notes.
    biggest_cost: str = ""
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0  # how long the scenario took to run

    def as_dict(self) -> dict:
        data = asdict(self)
        for figure, source in zip(data["figures"], self.figures, strict=True):
            figure["ratio"] = source.ratio
        return data
